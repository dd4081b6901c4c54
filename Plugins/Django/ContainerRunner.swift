import DockerChecker
import Foundation
import ReconcileKit

/// Runs the introspection script inside the app's container with `docker exec`, through
/// the Docker plugin's engine client: `python -c SCRIPT CONFIG` in the container's own
/// environment, plus the manifest's `env` keys the operator config allows.
///
/// Only into a container the operator config allows, and only with a program named like
/// a Python interpreter; nothing is sent to the engine otherwise.
enum ContainerIntrospection {
    static func run(
        _ runner: DjangoSpec.ContainerRunner, settingsModule: String, configuration: String, timeout: Duration,
        context: ObservationContext
    ) async -> Result<RawRun, RunFailure> {
        let config = context.operatorConfig
        if case .refused(let reason) = config.decide(.container(runner.name)) {
            return .failure(RunFailure(.notAllowed, "runner.container: \(reason)"))
        }
        if case .refused(let reason) = config.decide(.containerInterpreter(runner.python)) {
            return .failure(RunFailure(.notAllowed, "runner.container.python: \(reason)"))
        }
        let client: DockerEngineClient
        switch Self.client(runner, context: context, timeout: timeout) {
        case .success(let made): client = made
        case .failure(let failure): return .failure(failure)
        }
        let environment = Self.environment(runner, settingsModule: settingsModule, config: config)
        for refused in environment.refused {
            context.logger.warning("django: runner.container.env.\(refused.key) is not passed to Python: \(refused.reason)")
        }
        do {
            let engine = try await client.connect()
            let result = try await client.exec(
                [runner.python, "-c", IntrospectionScript.source, configuration], in: runner.name,
                environment: environment.kept, workdir: runner.workdir, version: engine.negotiatedVersion)
            return .success(RawRun(stdout: result.stdout, stderr: result.stderr, status: result.exitCode))
        } catch {
            return .failure(Self.failure(error, timeout: timeout))
        }
    }

    /// The one Docker client, for the runner's engine.
    static func client(
        _ runner: DjangoSpec.ContainerRunner, context: ObservationContext, timeout: Duration
    ) -> Result<DockerEngineClient, RunFailure> {
        let endpointText = DockerEngineClient.endpointText(manifest: runner.endpoint, environment: context.environment)
        switch DockerEngineClient.resolveEndpoint(endpointText) {
        case .success(let endpoint): return .success(DockerEngineClient(endpoint: endpoint, http: context.http, timeout: timeout))
        case .failure(let problem): return .failure(RunFailure(.engineUnavailable, problem.message, hint: problem.hint))
        }
    }

    /// The variables the exec adds to the container's own environment: the manifest's
    /// allowed `env`, then what the run needs; and the keys refused, with why.
    static func environment(
        _ runner: DjangoSpec.ContainerRunner, settingsModule: String, config: OperatorConfig
    ) -> (kept: [String], refused: [(key: String, reason: String)]) {
        var (environment, refused) = ChildEnvironment.filter(runner.environment, by: config)
        environment["DJANGO_SETTINGS_MODULE"] = settingsModule
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        return (environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }, refused)
    }

    /// The engine client's problem as the Django checker reports it.
    static func failure(_ problem: EngineProblem, timeout: Duration) -> RunFailure {
        switch problem.kind {
        case .containerMissing: RunFailure(.containerMissing, problem.message)
        case .containerNotRunning: RunFailure(.containerNotRunning, problem.message)
        case .refusedByPolicy: RunFailure(.refusedByPolicy, problem.message, hint: problem.hint)
        case .timeout:
            RunFailure(.timedOut, "the engine gave no complete answer within \(timeout.secondsText): \(problem.message)")
        default: RunFailure(.engineUnavailable, problem.message, hint: problem.hint)
        }
    }
}
