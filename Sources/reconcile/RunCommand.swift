import ArgumentParser
import Foundation
import Logging
import ReconcileKit

/// `reconcile [run]`: observe, compare, report.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Check the live environment against the manifest (the default command).",
        discussion: """
            Without --dry-run reconcile applies the fixes the manifest's apply: policy allows, \
            re-observes everything, and undoes its own actions when a verify checker got worse. \
            A manifest without apply: changes nothing.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, github
    }

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

    @Option(name: .long, help: "Report format: text (for people), json (versioned, for machines), github (annotations).")
    var format: Format = .text

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Run only this checker (repeatable): \(registry.identifiers.joined(separator: ", ")).", valueName: "checker"))
    var only: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also write the JSON report to this file, atomically (temporary file + rename).", valueName: "file"))
    var reportFile: String?

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

    @Flag(name: .shortAndLong, help: "Print nothing when everything is in sync (for cron); only drift and unknown otherwise.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Log what reconcile does to stderr.")
    var verbose = false

    func validate() throws {
        for name in only where !registry.identifiers.contains(name) {
            let hint = Suggestions.closest(to: name, among: registry.identifiers).map { " (did you mean \($0)?)" } ?? ""
            throw ValidationError(
                "unknown checker '\(name)'\(hint); known: \(registry.identifiers.joined(separator: ", "))")
        }
        _ = try NumericFlag.seconds(timeout, flag: "--timeout")
        try NumericFlag.count(maxConnectionsPerHost, flag: "--max-connections-per-host", in: 1...4096)
        if probeWrite && dryRun {
            throw ValidationError(
                "--probe-write writes a probe file into the live media volume; a --dry-run never writes, "
                    + "so the two cannot be combined (drop --probe-write to fetch a file that is already there)")
        }
    }

    func run() async throws {
        let logger = makeLogger(verbose: verbose)
        let deadline = try self.source.startDeadline()
        HTTPClient.configure(maxConnectionsPerHost: maxConnectionsPerHost)
        let source: any DesiredStateSource
        let paths: [String]
        let config: OperatorConfig
        do {
            config = try self.source.operatorConfig()
            source = try self.source.openSource(until: deadline)
            paths = try ManifestSelection.paths(named: manifest, in: source)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        logger.debug("desired state from \(source.origin.repo) at \(source.origin.ref) = \(source.origin.commit ?? "-")")

        var checks: [PlannedCheck] = []
        var policies: [String: ApplyPolicy] = [:]
        var failed = false
        for (path, result) in ManifestLoader(
            source: source, variables: try self.source.parsedVariables(), limits: self.source.yamlLimits
        ).load(paths) {
            switch result {
            case .success(let manifest):
                checks += manifest.checks
                policies[manifest.file] = manifest.apply
            case .failure(let errors):
                failed = true
                printError("error: \(path) is not a valid manifest:\n\(errors)")
            }
        }
        if failed { throw ExitCode(1) }

        let mode = dryRun ? RunMode.dryRun : .apply
        let secrets = SecretRegistry()
        let context = ObservationContext(
            mode: mode, source: source, logger: logger, allowsProbeWrites: probeWrite, secrets: secrets,
            operatorConfig: config)
        let clock = ContinuousClock()
        let started = clock.now
        let checkDeadline = min(try NumericFlag.seconds(timeout, flag: "--timeout"), deadline.remaining)
        let reconciler = Reconciler(checkDeadline: checkDeadline)
        let selected = only.isEmpty ? nil : Set(only)
        let findings: [Finding]
        let actions: [ActionOutcome]
        var applyFailed = false
        if dryRun || policies.isEmpty {
            if !dryRun { printError("note: no manifest has an apply: section, so nothing is changed (report only)") }
            let plan = Plan(await reconciler.outcomes(checks, context: context, only: selected), policies: policies)
            (findings, actions) = (plan.findings, plan.outcomes)
        } else {
            // Applying is not cut off by the watchdog: a change killed halfway would stay
            // unverified and un-rolled-back; apply has its own signal handling and journal.
            Watchdog.standDown()
            let options = applying
            let result = try await options.run { journal, interruption in
                let runner = ApplyRunner(
                    reconciler: reconciler, policies: policies, journal: journal.masking(with: secrets),
                    commit: source.origin.commit, interruption: interruption)
                return await runner.run(
                    checks, observing: context,
                    applying: ApplyContext(source: source, environment: context.environment, logger: logger),
                    only: selected, confirm: { options.confirm($0) })
            }
            (findings, actions, applyFailed) = (result.findings, result.actions, result.failed)
            logger.debug(
                "first observation \(result.observed.first.secondsText), after the actions \(result.observed.after?.secondsText ?? "none")")
            if let cause = result.cause { printError("error: \(cause)", mask: secrets.mask) }
        }
        Watchdog.standDown()
        logger.debug("\(checks.count) checker(s), \(findings.count) finding(s) in \((clock.now - started).secondsText)")

        // Masked once, here: every output below prints the same masked report.
        let mask = secrets.mask
        let report = Report(
            origin: source.origin, manifest: paths.count == 1 ? paths[0] : ManifestSelection.defaultDirectory + "/",
            mode: mode, findings: findings, actions: actions
        ).masked(by: mask)
        if let reportFile {
            do {
                try ReportFile.write(JSONReportRenderer.render(report), to: reportFile)
            } catch {
                printError("error: \(error)", mask: mask)
                throw ExitCode(1)
            }
        }
        let output: String
        switch format {
        case .json:
            output = JSONReportRenderer.render(report)
        case .github:
            output = GitHubAnnotations.render(report)
        case .text:
            output =
                quiet && report.status == .ok
                ? "" : TextReportRenderer(color: Terminal.wantsColor, hideOK: quiet, width: Terminal.width).render(report)
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if applyFailed { throw ExitCode(1) }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}

func makeLogger(verbose: Bool) -> Logger {
    var logger = Logger(label: "reconcile") { label in StreamLogHandler.standardError(label: label) }
    logger.logLevel = verbose ? .debug : .warning
    return logger
}
