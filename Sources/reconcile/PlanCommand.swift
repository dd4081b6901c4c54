import ArgumentParser
import Foundation
import ReconcileKit

/// `reconcile plan`: what a change of the desired state does, resource by resource,
/// between two commits (a pull request's base and head), for reviewers before a merge.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "The semantic diff of the desired state between two commits (exit 0 unchanged, 2 changed, 1 error).",
        discussion: """
            Pairs manifests by path (then by environment name: a rename), resources by \
            checker, kind and name, and prints each added, removed or changed resource with \
            its fields old → new and the head side's file:line. In a pull request:
              reconcile plan --base origin/main --format markdown >> "$GITHUB_STEP_SUMMARY"

            --live also observes the environment (read-only, as --dry-run) with both sides' \
            manifests and says per changed resource whether production matches the base \
            (merging needs an apply), already matches the head, or neither.

            With --require-signed, or a trust: {require_signed: true} in either side's \
            manifests, both commits must be signed by an allowed key: both sides' manifests \
            are read, and --live acts on both.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, markdown, github, sarif, junit
    }

    /// The head side: `--ref`/`--head` (default HEAD) or `--worktree`.
    @OptionGroup var source: SourceOptions

    @Option(name: .long, help: ArgumentHelp("The commit the change starts from (a PR's base).", valueName: "ref"))
    var base: String

    @Option(name: .long, help: ArgumentHelp("The commit with the change (default HEAD; same as --ref).", valueName: "ref"))
    var head: String?

    @Flag(name: .long, help: "Also observe the environment (read-only): which side production matches, per change.")
    var live = false

    @Option(
        name: .long,
        help:
            "Output: text, json (versioned), markdown (PR comment / step summary), github (notices), sarif (code scanning), junit (CI test reports)."
    )
    var format: Format = .text

    @Argument(
        help: ArgumentHelp(
            "Manifest paths in the repository.", discussion: "Default: every *.yaml in manifests/ on each side.",
            valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        if head != nil && source.ref != "HEAD" { throw ValidationError("give the head commit once: --head or --ref") }
        if head != nil && source.worktree { throw ValidationError("--worktree is the head side; it cannot be combined with --head") }
    }

    func run() async throws {
        var headOptions = source
        if let head { headOptions.ref = head }
        var baseOptions = source
        baseOptions.ref = base
        baseOptions.worktree = false
        let sides: [Loaded]
        let deadline: RunDeadline
        let config: OperatorConfig
        do {
            deadline = try source.startDeadline()
            config = try source.operatorConfig()
            var opened: [Loaded] = []
            for options in [baseOptions, headOptions] {
                let side = try options.openSource(until: deadline)
                _ = try await source.verifyBeforeReading(side, config: config, until: deadline)
                opened.append(try self.side(of: side, options: options))
            }
            try await source.verifyDemanded(
                by: opened.flatMap(\.manifests), of: opened.map(\.source), config: config, until: deadline)
            sides = opened
        } catch let failure as PlanFailure {
            FileHandle.standardError.write(Data(failure.text.utf8))
            throw ExitCode(1)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        var diff = DesiredStateDiff(base: sides[0].side, head: sides[1].side)
        // As in a run: the secrets the observation reads (a health token) are registered
        // here, and every output is masked once with them, after comparing.
        let secrets = SecretRegistry()
        if live && diff.changed {
            diff = diff.matching(
                baseFindings: await sides[0].observe(config: config, secrets: secrets, deadline: deadline),
                headFindings: await sides[1].observe(config: config, secrets: secrets, deadline: deadline))
        }
        let rendering = DiffRendering(diff: diff, base: sides[0].source.origin, head: sides[1].source.origin)
            .masked(by: secrets.mask)
        let output: String
        switch format {
        case .text: output = rendering.text()
        case .json: output = rendering.json()
        case .markdown: output = rendering.markdown()
        case .github: output = gitHubStep(rendering.github())
        case .sarif: output = rendering.sarif()
        case .junit: output = rendering.junit(timestamp: Date())
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if rendering.diff.changed { throw ExitCode(2) }
    }

    /// One side's manifests, decoded, with their resources; a side without manifests is
    /// empty (everything added or removed), a manifest with errors ends the plan.
    private func side(of source: any DesiredStateSource, options: SourceOptions) throws -> Loaded {
        let selected: [String]
        if paths.isEmpty {
            selected = (try? ManifestSelection.paths(named: [], in: source)) ?? []
        } else {
            selected = try ManifestSelection.paths(named: paths, in: source).filter { (try? source.read($0)) != nil }
        }
        let loaded = ManifestLoader(
            source: source, variables: try options.parsedVariables(), limits: options.yamlLimits, plugins: try options.pluginDirectory()
        ).load(selected)
        let errors = loaded.flatMap(\.result.errors)
        guard errors.isEmpty else {
            throw PlanFailure(
                text: "error: the manifests at \(source.origin.ref) (\(source.origin.shortCommitOrRef)) do not decode:\n"
                    + errors.map { UntrustedText.terminalLine("\($0)", limit: errorLineLimit) + "\n" }.joined())
        }
        return Loaded(source: source, manifests: loaded.compactMap { try? $0.result.get() })
    }
}

/// One side of a plan: its source and its decoded manifests.
private struct Loaded {
    let source: any DesiredStateSource
    let manifests: [Manifest]

    var side: DesiredStateDiff.Side {
        DesiredStateDiff.Side(
            manifests.map { ($0.file, $0.name, DesiredState(manifest: $0, source: source).resources()) })
    }

    /// Each manifest's findings from a read-only observation (as `--dry-run`), by path.
    func observe(config: OperatorConfig, secrets: SecretRegistry, deadline: RunDeadline) async -> [String: [Finding]] {
        let context = ObservationContext(mode: .dryRun, source: source, secrets: secrets, operatorConfig: config)
        let reconciler = Reconciler(checkDeadline: min(.seconds(60), deadline.remaining))
        var findings: [String: [Finding]] = [:]
        for manifest in manifests {
            findings[manifest.file] = await reconciler.run(manifest.checks, context: context)
        }
        return findings
    }
}

/// A side that cannot be planned, already worded for stderr.
private struct PlanFailure: Error {
    let text: String
}
