import ArgumentParser
import Foundation
import Logging
import ReconcileKit

/// What one reconciliation needs, shared by `reconcile run` (once) and `reconcile serve`
/// (on an interval): where the desired state is, which checks to run and how, and where
/// the run is remembered (state directory, metrics textfile, report file).
struct RunOptions: ParsableArguments {
    @OptionGroup var source: SourceOptions

    @OptionGroup(title: "Apply (without --dry-run)") var applying: ApplyOptions

    @Flag(name: .long, help: "Observe and report only; never change anything (enforced: non-GET requests are refused).")
    var dryRun = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A manifest path in the repository (repeatable).", discussion: "Default: every *.yaml in manifests/.",
            valueName: "path"))
    var manifest: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Run only this checker (repeatable): \(registry.identifiers.joined(separator: ", ")), or an external checker's name.",
            valueName: "checker"))
    var only: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also write the JSON report to this file, atomically (temporary file + rename).", valueName: "file"))
    var reportFile: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where runs are remembered: the last report and the last \(RunHistory.limit) runs.",
            discussion:
                "Default: $XDG_STATE_HOME/reconcile (/var/lib/reconcile as root). Notifications need it: a run that "
                + "cannot write it sends none, and says so.", valueName: "dir"))
    var stateDir: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also write Prometheus metrics to this file, atomically (for node_exporter's textfile collector).",
            valueName: "file"))
    var metricsFile: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Deadline for each checker, in seconds (never past the run's --deadline).", valueName: "seconds"))
    var timeout: Double = 60

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The most connections open to one host (scheme, host and port, or unix socket) at once; more requests wait.",
            valueName: "count"))
    var maxConnectionsPerHost = 64

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Let the media chain's live proof write a probe file into host_path (then fetch it through Caddy and delete it).",
            discussion: "Without it, the proof only fetches a file that is already there."))
    var probeWrite = false

    @Flag(name: .shortAndLong, help: "Log what reconcile does to stderr.")
    var verbose = false

    func validate() throws {
        _ = try NumericFlag.seconds(timeout, flag: "--timeout")
        try NumericFlag.count(maxConnectionsPerHost, flag: "--max-connections-per-host", in: 1...4096)
        if probeWrite && dryRun {
            throw ValidationError(
                "--probe-write writes a probe file into the live media volume; a --dry-run never writes, "
                    + "so the two cannot be combined (drop --probe-write to fetch a file that is already there)")
        }
    }

    /// The first `--only` name that is neither a built-in checker nor an external one of
    /// these manifests or `--plugin-dir`, as an error with a did-you-mean; nil when all are known.
    func unknownOnly(among external: [String]) -> String? {
        let known = registry.identifiers + external.filter { !registry.identifiers.contains($0) }.sorted()
        guard let name = only.first(where: { !known.contains($0) }) else { return nil }
        let hint = Suggestions.closest(to: name, among: known).map { " (did you mean \($0)?)" } ?? ""
        return "unknown checker '\(name)'\(hint); known: \(known.joined(separator: ", "))"
    }

    /// Why this run would check nothing it was asked to, as an error: an `--only` checker
    /// that no manifest read has a section for, or no checked section at all. Either would
    /// otherwise report "0 checks (in sync)" and exit 0, so a cron line with a wrong
    /// `--only` or the wrong manifest would look healthy forever. nil when all is checked.
    func nothingChecked(_ checks: [PlannedCheck], manifests paths: [String]) -> String? {
        let read = "(\(paths.joined(separator: ", ")))"
        let present = Set(checks.map(\.checker))
        let absent = only.filter { !present.contains($0) }
        if !absent.isEmpty {
            return absent.map { name in
                let section = registry.sectionKey(of: name).map { "a \($0): section" } ?? "a section for the checker \(name)"
                return "--only \(name): no manifest read has \(section)"
            }.joined(separator: "; ") + " \(read)"
        }
        guard checks.isEmpty else { return nil }
        return "no manifest read has a section to check \(read); sections: \(registry.sectionKeys.joined(separator: ", "))"
    }

    var stateDirectory: StateDirectory { stateDir.map(StateDirectory.init(path:)) ?? .standard() }

    /// One reconciliation, recorded in the state directory and the metrics file.
    /// `diagnose` receives what a person should read on stderr (errors, warnings); the
    /// record's exit code is 1 when there is no report. `agent`: the run is `reconcile
    /// serve`'s, which owns SIGTERM, SIGINT and SIGHUP (an apply neither takes them over nor prompts).
    func reconcile(logger: Logger, deadline: RunDeadline, agent: Bool = false, diagnose: (String) -> Void) async -> RunRecord {
        HTTPClient.configure(maxConnectionsPerHost: maxConnectionsPerHost)
        let clock = ContinuousClock()
        let started = clock.now
        func elapsed() -> Double { (clock.now - started).inSeconds }
        let record: RunRecord
        var targets: [NotifyTarget] = []
        switch await observe(logger: logger, deadline: deadline, agent: agent, diagnose: diagnose) {
        case .failure(let failure):
            record = RunRecord(finishedAt: Date(), durationSeconds: elapsed(), exitCode: 1, report: nil, error: failure.message)
        case .success(let observed):
            targets = observed.notify
            record = RunRecord(
                finishedAt: Date(), durationSeconds: elapsed(), checkDurations: observed.durations,
                exitCode: observed.failed ? 1 : observed.report.exitCode, report: observed.report)
        }
        let bookkeeping = RunBookkeeping(state: stateDirectory, metricsFile: metricsFile)
        let (previousSuccess, unrecorded, warnings) = bookkeeping.record(record)
        for warning in warnings { diagnose("warning: \(warning)") }
        if !targets.isEmpty, unrecorded != nil {
            diagnose("warning: \(Notifications.unrecordedRun(stateDirectory))")
        } else if !targets.isEmpty {
            let problems = await Notifications(state: stateDirectory)
                .send(
                    from: previousSuccess?.report, to: record.report, targets: targets, host: Self.hostName,
                    until: Notifications.deadline(within: deadline))
            for problem in problems { diagnose("warning: \(problem)") }
        }
        return record
    }

    /// This machine's name, as notifications show it.
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// What a run observed: its report, each checker's duration, who to tell about changes,
    /// and whether it failed with a report all the same (apply failed, or the report file
    /// could not be written): exit 1.
    struct Observed {
        let report: Report
        let durations: [String: Double]
        let notify: [NotifyTarget]
        let failed: Bool
    }

    /// Why a run ended without a report (already told to `diagnose`).
    struct Failure: Error {
        let message: String
    }

    /// An unverified commit: nothing is observed or changed. In apply mode the journal,
    /// when there is one, says why this run did nothing.
    private func refuse(_ refusal: SignatureRefusal, commit: String?, diagnose: (String) -> Void) -> Failure {
        let message = "\(refusal)"
        diagnose("error: \(message)")
        let journal = applying.journal ?? stateDirectory.journal
        if !dryRun && FileManager.default.fileExists(atPath: journal) {
            do {
                try Journal(path: journal).recordRefusal(message, commit: commit)
            } catch {
                diagnose("warning: \(error)")
            }
        }
        return Failure(message: message)
    }

    private func observe(logger: Logger, deadline: RunDeadline, agent: Bool, diagnose: (String) -> Void) async -> Result<Observed, Failure>
    {
        /// Says `message` on stderr and ends the run without a report.
        func failed(_ message: String) -> Result<Observed, Failure> {
            diagnose("error: \(message)")
            return .failure(Failure(message: message))
        }
        let source: any DesiredStateSource
        let paths: [String]
        let config: OperatorConfig
        var commit: String?
        let plugins: PluginDirectory
        do {
            config = try self.source.operatorConfig()
            plugins = try self.source.pluginDirectory()
            source = try self.source.openSource(until: deadline)
            commit = source.origin.commit
            // The host's demand (--require-signed, the operator config's trust:): before any manifest is read.
            if let signer = try await self.source.verifyBeforeReading(source, config: config, until: deadline) {
                logger.debug("commit \(source.origin.commit ?? "-") is signed by \(signer)")
            }
            paths = try ManifestSelection.paths(named: manifest, in: source)
        } catch let refusal as SignatureRefusal {
            return .failure(refuse(refusal, commit: commit, diagnose: diagnose))
        } catch {
            return failed("\(error)")
        }
        logger.debug("desired state from \(source.origin.repo) at \(source.origin.ref) = \(source.origin.commit ?? "-")")

        var checks: [PlannedCheck] = []
        var policies: [String: ApplyPolicy] = [:]
        var notify: [NotifyTarget] = []
        var invalid: [String] = []
        var manifests: [Manifest] = []
        // Validated by ArgumentParser before any run.
        let variables = (try? self.source.parsedVariables()) ?? [:]
        let loader = ManifestLoader(source: source, variables: variables, limits: self.source.yamlLimits, plugins: plugins)
        for (path, result) in loader.load(paths) {
            switch result {
            case .success(let manifest):
                manifests.append(manifest)
                checks += manifest.checks
                policies[manifest.file] = manifest.apply?.limited(by: config)
                // A webhook URL is a credential: read only from where the operator config lets a
                // token come from (validate says so as an error at the field).
                for target in manifest.notify where !notify.contains(where: { $0.name == target.name }) {
                    if case .refused(let reason) = config.decide(.webhookURL(target.url)) {
                        diagnose("warning: notify '\(target.name)' (\(manifest.file)): nothing is sent: \(reason)")
                    } else {
                        notify.append(target)
                    }
                }
            case .failure(let errors):
                invalid.append(path)
                diagnose("error: \(path) is not a valid manifest:\n\(errors)")
            }
        }
        if !invalid.isEmpty { return .failure(Failure(message: "invalid manifest: \(invalid.joined(separator: ", "))")) }
        // A manifest's trust.require_signed: verified before any checker or apply acts.
        do {
            try await self.source.verifyDemanded(by: manifests, of: [source], config: config, until: deadline)
        } catch {
            return .failure(refuse(error, commit: source.origin.commit, diagnose: diagnose))
        }
        if let unknown = unknownOnly(among: Set(checks.map(\.checker) + plugins.plugins.map(\.name)).sorted()) {
            return failed(unknown)
        }
        if let nothing = nothingChecked(checks, manifests: paths) { return failed(nothing) }
        // The one decision whether this run may change anything: only without --dry-run, with
        // an apply: section, and on a host whose operator config does not say `apply: []`. Any
        // other run is read-only in every request it makes (the mode picks the client's
        // policy), so a report-only run never sends a health check's DELETE or POST either.
        let hostAllowsNothing = config.apply?.isEmpty == true
        let applies = !dryRun && !policies.isEmpty && !hostAllowsNothing
        let mode = applies ? RunMode.apply : .dryRun
        let secrets = SecretRegistry()
        let context = ObservationContext(
            mode: mode, source: source, logger: logger, allowsProbeWrites: probeWrite, secrets: secrets,
            operatorConfig: config)
        let clock = ContinuousClock()
        let started = clock.now
        // Validated by ArgumentParser before any run.
        let checkTimeout = (try? NumericFlag.seconds(timeout, flag: "--timeout")) ?? .seconds(60)
        let reconciler = Reconciler(checkDeadline: min(checkTimeout, deadline.remaining))
        let selected = only.isEmpty ? nil : Set(only)
        let timings = CheckTimings()
        let timed = timings.timing(checks)
        let findings: [Finding]
        let actions: [ActionOutcome]
        var applyFailed = false
        if !applies {
            if !dryRun {
                let why = policies.isEmpty ? "no manifest has an apply: section" : "\(config.origin) lists nothing under apply:"
                diagnose("note: \(why), so nothing is changed (report only), and the run is read-only as with --dry-run")
            }
            let plan = Plan(await reconciler.outcomes(timed, context: context, only: selected), policies: policies)
            (findings, actions) = (plan.findings, plan.outcomes)
        } else {
            // Before anything changes: a report that cannot be written would be lost.
            if let reportFile {
                do {
                    try ReportFile.checkWritable(reportFile)
                } catch {
                    return failed("\(error); nothing was applied")
                }
            }
            // Applying is not cut off by the watchdog: a change killed halfway would stay
            // unverified and un-rolled-back; apply has its own signal handling and journal,
            // and keeps to the deadline itself (ApplyRunner reserves a quarter for undo).
            Watchdog.standDown()
            let options = applying
            let state = stateDirectory
            let result: ApplyRunner.Result
            do {
                result = try await options.run(state: state, deadline: deadline, takingSignals: !agent) { journal, interruption in
                    let runner = ApplyRunner(
                        reconciler: reconciler, policies: policies, journal: journal.masking(with: secrets),
                        commit: source.origin.commit, interruption: interruption, deadline: deadline)
                    return await runner.run(
                        timed, observing: context,
                        applying: ApplyContext(
                            source: source, environment: context.environment, logger: logger, operatorConfig: config),
                        only: selected, confirm: { agent || options.confirm($0) })
                }
            } catch let failure as ApplyOptions.Unavailable {
                return failed(failure.message)
            } catch {
                return failed("\(error)")
            }
            (findings, actions, applyFailed) = (result.findings, result.actions, result.failed)
            logger.debug(
                "first observation \(result.observed.first.secondsText), after the actions \(result.observed.after?.secondsText ?? "none")")
            if let cause = result.cause { diagnose("error: \(secrets.mask.mask("\(cause)"))") }
        }
        Watchdog.standDown()
        logger.debug("\(checks.count) checker(s), \(findings.count) finding(s) in \((clock.now - started).secondsText)")

        // Masked once, here: every output and the state directory get the same masked report.
        let mask = secrets.mask
        let report = Report(
            origin: source.origin, manifest: paths.count == 1 ? paths[0] : ManifestSelection.defaultDirectory + "/",
            mode: mode, findings: findings, actions: actions
        ).masked(by: mask)
        var failed = applyFailed
        if let reportFile {
            do {
                try ReportFile.write(JSONReportRenderer.render(report), to: reportFile)
            } catch {
                // The run happened (and may have changed things): it is still printed,
                // recorded and notified; only its exit code says the file is missing.
                diagnose("error: \(mask.mask("\(error)"))")
                failed = true
            }
        }
        return .success(Observed(report: report, durations: timings.durations, notify: notify, failed: failed))
    }
}
