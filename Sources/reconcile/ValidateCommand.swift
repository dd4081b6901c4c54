import ArgumentParser
import Foundation
import ReconcileKit

/// `reconcile validate`: schema and semantic checks of manifests, for pull requests.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check manifests without touching the environment (exit 0 valid, 1 invalid).",
        discussion: """
            Every error names file, line, column and key. In GitHub Actions use \
            --format github to get inline annotations on the pull request:
              - run: reconcile validate --format github
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, github
    }

    @OptionGroup var source: SourceOptions

    @Option(name: .long, help: "Output: text, json (versioned), github (workflow-command annotations).")
    var format: Format = .text

    @Argument(
        help: ArgumentHelp(
            "Manifest paths in the repository.", discussion: "Default: every *.yaml in manifests/.", valueName: "path"))
    var paths: [String] = []

    func run() throws {
        let source: any DesiredStateSource
        let selected: [String]
        do {
            source = try self.source.openSource()
            selected = try ManifestSelection.paths(named: paths, in: source)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        let results = ManifestLoader(source: source, variables: try self.source.parsedVariables()).load(selected)
        let errors = results.flatMap { result -> [ManifestError] in
            if case .failure(let failure) = result.result { return failure.errors }
            return []
        }
        let output: String
        switch format {
        case .github:
            output = GitHubAnnotations.render(errors)
        case .json:
            output = ValidationReport(origin: source.origin, results: results).json()
        case .text:
            output = results.map { path, result in
                switch result {
                case .success(let manifest):
                    let sections = manifest.checks.map(\.checker).joined(separator: ", ")
                    return "\(path): valid (\(manifest.name): \(sections.isEmpty ? "no sections" : sections))\n"
                case .failure(let failure):
                    return failure.errors.map { UntrustedText.terminalLine("\($0)", limit: errorLineLimit) + "\n" }
                        .joined()
                }
            }.joined()
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if !errors.isEmpty { throw ExitCode(1) }
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

    let version = Report.currentVersion
    let source: SourceOrigin
    let valid: Bool
    let files: [FileResult]

    init(origin: SourceOrigin, results: [(path: String, result: Result<Manifest, ManifestErrors>)]) {
        source = origin
        files = results.map { path, result in
            let problems: [Problem]
            if case .failure(let failure) = result {
                problems = failure.errors.map {
                    Problem(
                        file: $0.position.file, line: $0.position.line, column: $0.position.column,
                        key: $0.keyPath, message: UntrustedText.capped($0.message, limit: JSONReportRenderer.fieldLimit))
                }
            } else {
                problems = []
            }
            return FileResult(path: path, valid: problems.isEmpty, errors: problems)
        }
        valid = files.allSatisfy(\.valid)
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return UntrustedText.jsonText((try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}") + "\n"
    }
}
