import Foundation

/// An external checker's section of one manifest, ready to run: the plugin, its spec and
/// the manifest's variables (the request's `spec` and `vars`). It is the `spec` of the
/// `PlannedCheck`, so `reconcile validate` finds the plugins to ask for their `--schema`.
public struct ExternalSpec: Sendable {
    public let plugin: ExternalPlugin
    public let spec: SpecTree
    public let variables: [String: String]
}

/// What running an external checker left: the program's exit, both streams (each read up
/// to one byte past ``ExternalCheck/outputLimit``) and the deadline it was given; or why
/// it did not start. Judged by ``PluginAnswer`` (pure).
public struct PluginRun: Sendable {
    public var status: Int32
    public var signal: Int32?
    public var stdout: Data
    public var stderr: Data
    public var timedOut: Bool
    /// Why nothing ran (refused by the operator config, a missing program); nil when it ran.
    public var notStarted: String?
    /// The `deadline_ms` it was sent.
    public var deadline: Duration

    public init(
        status: Int32, signal: Int32? = nil, stdout: Data = Data(), stderr: Data = Data(), timedOut: Bool = false,
        notStarted: String? = nil, deadline: Duration = .seconds(60)
    ) {
        self.status = status
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
        self.notStarted = notStarted
        self.deadline = deadline
    }

    /// What a program that ran (or failed to start) left.
    init(_ output: Subprocess.Output, deadline: Duration) {
        self.init(
            status: output.status, signal: output.signal, stdout: output.stdout, stderr: output.stderr, timedOut: output.timedOut,
            notStarted: output.launchFailure.map { "could not be started: \($0)" }, deadline: deadline)
    }
}

/// Runs external checkers: the observe half (I/O: materialise the command, start it with
/// the request on stdin, collect its output under the deadline) of a `PlannedCheck` whose
/// compare half is ``PluginAnswer`` (pure).
public enum ExternalCheck {
    /// The most bytes of stdout (and of stderr) an answer may have; more is `unknown`.
    public static let outputLimit = 1 << 20
    /// The deadline a check gets when the reconciler set none (a direct call).
    static let defaultDeadline = Duration.seconds(60)
    /// Why an external checker's drift is left to people.
    static let manualReason = "an external checker only reports; apply its fix by hand"

    /// The planned check for `plugin`'s section `node`.
    static func plan(_ plugin: ExternalPlugin, section node: ManifestNode) throws -> PlannedCheck {
        let spec = ExternalSpec(plugin: plugin, spec: try SpecTree(node), variables: node.session.variables)
        let position = node.position
        var planned = PlannedCheck(
            checker: plugin.name, position: position, inputs: [], spec: spec,
            observe: { context in await run(spec, in: context) },
            compare: { observation in
                guard let run = observation as? PluginRun else { return [] }
                return PluginAnswer(plugin: plugin.name, position: position).findings(from: run)
            }, manualReason: manualReason)
        if plugin.origin == .manifest {
            planned.trustFields = [TrustField(plugin.trustRequest, position: plugin.position, keyPath: plugin.keyPath)]
        }
        return planned
    }

    /// Runs the plugin once with its request. Never throws: what went wrong is in the run.
    static func run(_ spec: ExternalSpec, in context: ObservationContext) async -> PluginRun {
        let deadline = deadline(until: context.deadline)
        if spec.plugin.origin == .manifest, case .refused(let reason) = context.operatorConfig.decide(spec.plugin.trustRequest) {
            return PluginRun(status: -1, notStarted: "was not run: \(reason)", deadline: deadline)
        }
        let request = PluginRequest(
            checker: spec.plugin.name, spec: spec.spec, variables: spec.variables, mode: context.mode, deadline: deadline,
            position: spec.spec.position)
        return await launch(
            spec.plugin, source: context.source, stdin: request.json, environment: context.environment, timeout: deadline)
    }

    /// The plugin's `--schema` output (for `reconcile validate`), run like a check but
    /// without a request.
    static func schema(_ plugin: ExternalPlugin, source: any DesiredStateSource, timeout: Duration) async -> PluginRun {
        await launch(
            plugin, source: source, extraArguments: ["--schema"], environment: ProcessInfo.processInfo.environment,
            timeout: timeout)
    }

    /// Runs the plugin's command (its files materialised from `source`) to completion.
    private static func launch(
        _ plugin: ExternalPlugin, source: any DesiredStateSource, extraArguments: [String] = [], stdin: Data = Data(),
        environment own: [String: String], timeout: Duration
    ) async -> PluginRun {
        let output: Subprocess.Output
        do {
            let files = try PluginFiles(command: plugin.command, source: source)
            output = await Subprocess.run(
                executable: files.executable, arguments: files.arguments + extraArguments, stdin: stdin,
                environment: environment(own), workingDirectory: files.directory, timeout: timeout,
                outputLimit: outputLimit + 1)
        } catch {
            return PluginRun(status: -1, notStarted: "could not be started: \(error)", deadline: timeout)
        }
        return PluginRun(output, deadline: timeout)
    }

    /// What the plugin is told it has: the time until the reconciler stops waiting, less a
    /// margin (a quarter, at most a second) in which reconcile kills it and says so itself.
    static func deadline(until end: ContinuousClock.Instant?, now: ContinuousClock.Instant = .now) -> Duration {
        guard let end else { return defaultDeadline }
        let remaining = max(.milliseconds(1), end - now)
        return max(.milliseconds(1), remaining - min(.seconds(1), remaining / 4))
    }

    /// A plugin's environment: fixed, never reconcile's own (which holds tokens). PATH is
    /// the operator's (it names directories only).
    static func environment(_ own: [String: String]) -> [String: String] {
        ["PATH": ChildEnvironment.path(from: own), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"]
    }
}
