import Foundation
import HealthChecker
import ReconcileKit
import ReconcileTestSupport
import TestSupport

/// The registry of a build that knows only the health checker.
let healthRegistry = CheckerRegistry(checkers: [HealthChecker.self])

/// Observes and compares `checks` the way a run does, with `environment` as the
/// process environment (for bearer_token_env) and `mode`'s request policy.
func findings(
    _ checks: [HealthCheckSpec], mode: RunMode = .dryRun, environment: [String: String] = [:],
    config: OperatorConfig = .defaults
) async throws -> [Finding] {
    let context = ObservationContext(mode: mode, source: StubSource(), environment: environment, operatorConfig: config)
    let spec = HealthSpec(checks: checks)
    let checker = HealthChecker()
    return checker.compare(spec, with: try await checker.observe(spec, in: context))
}

func finding(
    _ check: HealthCheckSpec, mode: RunMode = .dryRun, environment: [String: String] = [:],
    config: OperatorConfig = .defaults
) async throws -> Finding {
    try await findings([check], mode: mode, environment: environment, config: config)[0]
}

/// Every text a finding carries, as a report would print it.
func reportText(_ findings: [Finding]) throws -> String {
    String(decoding: try JSONEncoder().encode(findings), as: UTF8.self)
        + findings.map { "\($0)" }.joined(separator: "\n")
}

/// The decode errors of a manifest text (`file:line:col: key: message`), [] when valid.
func errorLines(_ text: String, file: String) -> [String] {
    do {
        _ = try ManifestDecoder(registry: healthRegistry).decode(text, file: file)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// Starts a fixture server off the cooperative pool (its start-up polls and sleeps), so
/// parallel timing-sensitive tests keep their threads.
func startServer(token: String? = nil) async throws -> FixtureHTTPServer {
    try await offPool { try FixtureHTTPServer(token: token) }
}
