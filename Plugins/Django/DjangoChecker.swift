import DockerChecker
import Foundation
import ReconcileKit

/// Reads the settings a Django project really runs with, by running the project's own
/// Python (locally, or inside its container through docker exec) with a read-only
/// introspection script, and compares them with the `django:` section.
///
/// Why run the project instead of parsing settings.py: production values come from
/// environment variables, `.env` files, settings split over modules and whatever else
/// the settings compute; only `django.setup()` in the app's own environment knows the
/// values the app uses. The same run answers what text cannot: whether MEDIA_URL
/// resolves through the URLconf, which log handlers exist, and Django's own
/// deployment checks.
///
/// `observe` runs the interpreter (I/O only); `compare` is pure. A project that cannot
/// be loaded is one `unknown` finding with the Python error's last line and a repair,
/// never `ok`.
public struct DjangoChecker: Checker {
    public static let identifier = "django"
    public static let observes =
        "the project's own Python, locally or in its container via the exec API, running an introspection script sent on stdin"
    public static let reports =
        "settings by typed equality, media routed by Django, console logging, `check --deploy`; secrets only as \"set\""
    public static let manualReason = "settings.py is code; apply the fix by hand"

    public init() {}

    public func observe(_ spec: DjangoSpec, in context: ObservationContext) async throws -> DjangoObservation {
        let timeout = Duration.milliseconds(spec.timeoutMilliseconds)
        let pinned = Self.pinnedEnvironment(spec, docker: context.desiredSection(DockerSpec.self), source: context.source)
        switch spec.runner {
        case .local(let local):
            let result = await LocalIntrospection.run(
                local, settingsModule: spec.settingsModule, configuration: Self.configuration(spec, pinned: pinned),
                timeout: timeout,
                environment: context.environment, config: context.operatorConfig, logger: context.logger)
            return DjangoObservation(runner: Self.describe(spec.runner, environment: context.environment), outcome: Self.outcome(result))
        case .container(let container):
            let token = spec.consoleLogging?.prove == true ? UUID().uuidString.lowercased() : nil
            let since = Int(Date().timeIntervalSince1970) - 1
            let result = await ContainerIntrospection.run(
                container, settingsModule: spec.settingsModule, configuration: Self.configuration(spec, proofToken: token, pinned: pinned),
                timeout: timeout, context: context)
            var observation = DjangoObservation(
                runner: Self.describe(spec.runner, environment: context.environment), outcome: Self.outcome(result))
            if let token, let proof = observation.introspection?.console?.proof {
                let written = proof.filter { !$0.value.written.isEmpty }.keys.sorted()
                observation.consoleLog = await ConsoleLogProof.read(
                    container, token: token, expected: written, since: since, patience: .seconds(5), context: context)
            }
            return observation
        }
    }

    public func compare(_ spec: DjangoSpec, with observation: DjangoObservation) -> [Finding] {
        DjangoVerdict.findings(spec, observation)
    }

    static func outcome(_ result: Result<RawRun, RunFailure>) -> DjangoObservation.Outcome {
        switch result {
        case .success(let run): IntrospectionOutput.outcome(of: run)
        case .failure(let failure): .failed(failure)
        }
    }

    /// Reported whatever the manifest names, so checkers that read this observation
    /// (the media chain compares MEDIA_ROOT with the volume mount) always find them.
    public static let alwaysReported = ["DEBUG", "MEDIA_ROOT", "MEDIA_URL", "STATIC_ROOT", "STATIC_URL", "ALLOWED_HOSTS"]

    /// The environment values the manifest itself gives the app: for a container runner,
    /// the docker section's for that container (its `environment:`, or its compose
    /// service's) with the runner's `env` over them; for a local runner, its `env`. An
    /// environment fix tries them first, so following it never makes docker drift.
    /// Secret-looking names and values are left out: they are never sent to Python.
    static func pinnedEnvironment(_ spec: DjangoSpec, docker: DockerSpec?, source: any DesiredStateSource) -> [String: String] {
        let pinned: [String: String]
        switch spec.runner {
        case .local(let local):
            pinned = local.environment
        case .container(let runner):
            let container = docker?.declaredContainers(source: source)?.first { $0.isNamed(runner.name) }
            pinned = (container?.environmentValues ?? [:]).merging(runner.environment) { $1 }
        }
        return pinned.filter { !SecretName.hides($0.key, $0.value) }
    }

    /// The script's argument: which settings to report, the manifest's values (only
    /// to find an environment variable value that would fix a mismatch, trying the
    /// environment values the manifest pins first), whether to run the deployment
    /// checks, the timeout after which Python ends itself, and the fragments of secret
    /// names (``SecretName``: the one list, never a copy in Python).
    static func configuration(_ spec: DjangoSpec, proofToken: String? = nil, pinned: [String: String] = [:]) -> String {
        var expected: [String: Any] = [:]
        for setting in spec.settings { expected[setting.name] = jsonObject(setting.value) }
        var names = spec.settings.map(\.name)
        names += alwaysReported.filter { !names.contains($0) }
        var object: [String: Any] = [
            "settings": names,
            "expected": expected,
            "checks": spec.deployCheck != nil,
            "timeout": max(1, (spec.timeoutMilliseconds + 999) / 1000),
            "secret_names": SecretName.names,
            "pinned_env": pinned,
        ]
        if let console = spec.consoleLogging {
            var request: [String: Any] = ["loggers": console.loggers, "level": console.level.rawValue]
            if let debug = desiredDebug(spec) { request["debug"] = debug }
            if let proofToken { request["prove"] = proofToken }
            object["console"] = request
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// DEBUG as the manifest wants it, when it says; console logging is judged with it.
    static func desiredDebug(_ spec: DjangoSpec) -> Bool? {
        guard case .bool(let debug)? = spec.settings.first(where: { $0.name == "DEBUG" })?.value else { return nil }
        return debug
    }

    static func jsonObject(_ value: ManifestValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let value): value
        case .int(let value): value
        case .double(let value): value
        case .string(let value): value
        case .list(let items): items.map(jsonObject)
        case .map(let entries): Dictionary(entries.map { ($0.key, jsonObject($0.value)) }) { first, _ in first }
        }
    }

    static func describe(_ runner: DjangoSpec.Runner, environment: [String: String]) -> String {
        switch runner {
        case .local(let local):
            return "\(local.python) in \(local.workdir)"
        case .container(let container):
            let endpoint = DockerEngineClient.endpointText(manifest: container.endpoint, environment: environment)
            return "\(container.python) in container \(container.name) (\(endpoint))"
        }
    }
}
