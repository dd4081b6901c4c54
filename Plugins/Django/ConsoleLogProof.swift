import DockerChecker
import Foundation
import ReconcileKit

/// `console_logging.prove`: the probe records the introspection sent through each
/// logger's console handlers, read back from the container's log, so "reaches the
/// console" is shown, not only inferred: the main process's stdout may not be what
/// the runtime collects (a process manager, a redirect to /dev/null).
public struct ConsoleLogProof: Sendable, Hashable {
    /// Loggers whose probe record the container's log shows.
    public var seen: Set<String>
    /// Why the log could not be read, when it could not.
    public var problem: String?

    /// The text each probe record carries (`reconcile console probe TOKEN LOGGER`).
    static func marker(token: String, logger: String) -> String { "reconcile console probe \(token) \(logger)" }

    /// Reads the container's log since `since` until every logger in `expected` shows
    /// its probe or `patience` is over (the runtime writes the log asynchronously).
    static func read(
        _ runner: DjangoSpec.ContainerRunner, token: String, expected: [String], since: Int, patience: Duration,
        context: ObservationContext
    ) async -> ConsoleLogProof {
        let client: DockerEngineClient
        switch ContainerIntrospection.client(runner, context: context, timeout: .seconds(10)) {
        case .success(let made): client = made
        case .failure(let failure): return ConsoleLogProof(seen: [], problem: failure.message)
        }
        let deadline = ContinuousClock.now.advanced(by: patience)
        do throws(EngineProblem) {
            let version = try await client.connect().negotiatedVersion
            while true {
                let (stdout, stderr) = try await client.logs(of: runner.name, since: since, version: version)
                let text = String(decoding: stdout + stderr, as: UTF8.self)
                let seen = Set(expected.filter { text.contains(marker(token: token, logger: $0)) })
                if seen.count == expected.count || ContinuousClock.now >= deadline { return ConsoleLogProof(seen: seen) }
                try? await Task.sleep(for: .milliseconds(100))
            }
        } catch {
            return ConsoleLogProof(seen: [], problem: error.message)
        }
    }
}
