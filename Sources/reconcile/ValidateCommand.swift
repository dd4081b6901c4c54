import ArgumentParser
import Foundation
import ReconcileKit

/// `reconcile validate`: schema and semantic checks of manifests, for pull requests.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check manifests without touching the environment (exit 0 valid, 1 invalid).",
        discussion: """
            Every error names file, line, column and key. In GitHub Actions use \
            --format github to get inline annotations on the pull request:
              - run: reconcile validate --format github

            Consistency checks compare the sections with each other (the media chain \
            against Django's settings, Caddy's routes and the container's mounts; routes no \
            request reaches; health URLs no route answers; what compose would refuse; files \
            missing at the ref). Errors fail; warnings fail only with --strict.

            Every field that makes reconcile execute something or read a secret (a runner's \
            interpreter, container and env keys, a bearer token's variable or file, a \
            Caddyfile) is listed with the operator config's decision (--config): a note \
            when it is allowed, an error, saying what the config must say, when it is not.

            With --require-signed, or a manifest's trust: {require_signed: true}, the commit \
            must be signed by an allowed key (exit 1 otherwise, naming who signed); a \
            --worktree check has no commit to verify and says so in a note.

            An external checker's section is checked against the JSON Schema the checker \
            prints when run with --schema (no check is run); errors name the section's lines.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, github, sarif, junit
    }

    @OptionGroup var source: SourceOptions

    @Option(
        name: .long,
        help: "Output: text, json (versioned), github (workflow-command annotations), sarif (code scanning), junit (CI test reports).")
    var format: Format = .text

    @Flag(name: .long, help: "Fail (exit 1) on consistency warnings too.")
    var strict = false

    @Argument(
        help: ArgumentHelp(
            "Manifest paths in the repository.", discussion: "Default: every *.yaml in manifests/.", valueName: "path"))
    var paths: [String] = []

    func run() async throws {
        let source: any DesiredStateSource
        let selected: [String]
        let config: OperatorConfig
        let plugins: PluginDirectory
        let deadline: RunDeadline
        do {
            config = try self.source.operatorConfig()
            plugins = try self.source.pluginDirectory()
            deadline = try self.source.startDeadline()
            source = try self.source.openSource(until: deadline)
            // The host's demand; a working tree has no signature (see the note below).
            if !source.origin.worktree {
                _ = try await self.source.verifyBeforeReading(source, config: config, until: deadline)
            }
            selected = try ManifestSelection.paths(named: paths, in: source)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        let loaded = ManifestLoader(
            source: source, variables: try self.source.parsedVariables(), limits: self.source.yamlLimits, plugins: plugins
        ).load(selected)
        let decoded = loaded.compactMap { try? $0.result.get() }
        if source.origin.worktree {
            if let demand = decoded.compactMap(\.trust).first(where: \.requireSigned) {
                printError(
                    "note: trust.require_signed at \(demand.position): not verified, --worktree reads uncommitted files; "
                        + "a run refuses them")
            }
        } else {
            do {
                try await self.source.verifyDemanded(by: decoded, of: [source], config: config, until: deadline)
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
        // A field the operator config refuses makes the manifest invalid on this host.
        let results = loaded.map { path, result in
            (path: path, result: result, review: (try? result.get()).map { TrustReview($0, config: config) })
        }
        // So does a section its external checker's --schema rejects (the plugin runs with
        // --schema only, never a check).
        var checked: [(path: String, result: Result<Manifest, ManifestErrors>)] = []
        for item in results {
            guard let review = item.review, case .success(let manifest) = item.result else {
                checked.append((item.path, item.result))
                continue
            }
            let errors =
                review.errors
                + (await PluginSchemaReview.errors(
                    manifest, source: source, config: config, timeout: min(.seconds(30), deadline.remaining)))
            checked.append(errors.isEmpty ? (item.path, item.result) : (item.path, .failure(ManifestErrors(errors))))
        }
        let errors = checked.flatMap(\.result.errors)
        let allowed = results.flatMap { $0.review?.entries.filter(\.decision.isAllowed) ?? [] }
        // Only a manifest that decodes can be judged as a whole.
        let problems = checked.map { item -> [ConsistencyProblem] in
            guard case .success(let manifest) = item.result else { return [] }
            return DesiredState(manifest: manifest, source: source).consistencyProblems()
        }
        let failing = problems.joined().contains { $0.severity >= .error || strict }
        let output: String
        switch format {
        case .github:
            output = gitHubStep(
                GitHubAnnotations.of(errors) + GitHubAnnotations.of(Array(problems.joined()))
                    + GitHubAnnotations.notices(allowed.map { ($0.field.position, "\($0.field.keyPath): \($0.message)") }))
        case .sarif, .junit:
            let results = CheckResult.results(
                files: checked.map { ($0.path, $0.result.errors) }, problems: Array(problems.joined()), strict: strict)
            output =
                format == .sarif
                ? SARIFRenderer.render(results)
                : JUnitRenderer.render(
                    results, timestamp: Date(), properties: [("ref", source.origin.ref), ("commit", source.origin.commit ?? "")])
        case .json:
            output = ValidationReport(
                origin: source.origin, results: checked, trust: results.flatMap { $0.review?.entries ?? [] },
                problems: Array(problems.joined()), strict: strict
            ).json()
        case .text:
            output = zip(zip(results, checked), problems).map { pair, problems in
                let (item, checked) = pair
                let notes =
                    item.review?.entries.filter(\.decision.isAllowed).map {
                        UntrustedText.terminalLine($0.note, limit: errorLineLimit) + "\n"
                    }.joined() ?? ""
                switch checked.result {
                case .success(let manifest):
                    let lines = problems.map { UntrustedText.terminalLine("\($0)", limit: errorLineLimit) + "\n" }.joined()
                    if problems.contains(where: { $0.severity >= .error || strict }) { return lines + notes }
                    let sections = manifest.checks.map(\.checker).joined(separator: ", ")
                    let warned = problems.isEmpty ? "" : " with \(problems.count) warning\(problems.count == 1 ? "" : "s")"
                    return lines + "\(item.path): valid\(warned) (\(manifest.name): \(sections.isEmpty ? "no sections" : sections))\n"
                        + notes
                case .failure(let failure):
                    return failure.errors.map { UntrustedText.terminalLine("\($0)", limit: errorLineLimit) + "\n" }
                        .joined() + notes
                }
            }.joined()
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if !errors.isEmpty || failing { throw ExitCode(1) }
    }
}

/// The JSON shape of `validate --format json`, versioned like the run report.
struct ValidationReport: Encodable {
    struct FileResult: Encodable {
        let path: String
        let valid: Bool
        let errors: [Problem]
    }

    struct Problem: Encodable {
        let file: String
        let line: Int
        let column: Int
        let key: String
        let message: String
    }

    /// A field that makes reconcile execute something or read a secret.
    struct TrustItem: Encodable {
        let file: String
        let line: Int
        let column: Int
        let key: String
        let action: String
        let allowed: Bool
        /// The rule that allows it, or why it is refused and what the operator config must say.
        let reason: String
    }

    /// A contradiction between sections (`DesiredState.consistencyProblems`).
    struct Inconsistency: Encodable {
        struct Place: Encodable {
            let file: String
            let line: Int
            let column: Int
            let note: String
        }

        let rule: String
        let severity: String
        let file: String
        let line: Int
        let column: Int
        let message: String
        let related: [Place]
    }

    let version = Report.currentVersion
    let source: SourceOrigin
    let valid: Bool
    let files: [FileResult]
    let trust: [TrustItem]
    let consistency: [Inconsistency]

    init(
        origin: SourceOrigin, results: [(path: String, result: Result<Manifest, ManifestErrors>)],
        trust entries: [TrustReview.Entry], problems: [ConsistencyProblem] = [], strict: Bool = false
    ) {
        consistency = problems.map { problem in
            Inconsistency(
                rule: problem.rule.id, severity: problem.severity.rawValue, file: problem.position.file,
                line: problem.position.line, column: problem.position.column,
                message: UntrustedText.capped(problem.message, limit: JSONReportRenderer.fieldLimit),
                related: problem.related.map {
                    Inconsistency.Place(file: $0.position.file, line: $0.position.line, column: $0.position.column, note: $0.note)
                })
        }
        source = origin
        trust = entries.map { entry in
            let position = entry.field.position
            let reason: String
            switch entry.decision {
            case .allowed(let because): reason = because
            case .refused(let why): reason = why
            }
            return TrustItem(
                file: position.file, line: position.line, column: position.column, key: entry.field.keyPath,
                action: entry.field.request.action, allowed: entry.decision.isAllowed, reason: reason)
        }
        files = results.map { path, result in
            let problems = result.errors.map {
                Problem(
                    file: $0.position.file, line: $0.position.line, column: $0.position.column,
                    key: $0.keyPath, message: UntrustedText.capped($0.message, limit: JSONReportRenderer.fieldLimit))
            }
            return FileResult(path: path, valid: problems.isEmpty, errors: problems)
        }
        valid = files.allSatisfy(\.valid) && !problems.contains { $0.severity >= .error || strict }
    }

    func json() -> String { JSONReportRenderer.document(self) }
}
