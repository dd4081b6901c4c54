import CurlHTTP
import Foundation
import Logging

/// What `apply` and `undo` may use: an HTTP client whose policy allows changes (only
/// here; observation keeps its own), the desired-state source, the environment and a
/// logger, a per-run memory for what one action leaves for the next (Caddy's latest
/// ETag after its own change), and the operator config, which decides what an action may
/// do to the host itself (a Caddyfile written outside Caddy's API).
public struct ApplyContext: Sendable {
    public let http: HTTPClient
    public let source: any DesiredStateSource
    public let environment: [String: String]
    public let logger: Logger
    public let memory: ApplyMemory
    public let operatorConfig: OperatorConfig

    /// The context of an apply. Besides `ObservationContext`, this is the only place a
    /// client is made for plugins: the one with `RequestPolicy.apply`.
    public init(
        source: any DesiredStateSource, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "reconcile"), memory: ApplyMemory = ApplyMemory(),
        operatorConfig: OperatorConfig = .defaults
    ) {
        self.http = HTTPClient(policy: .apply)
        self.source = source
        self.environment = environment
        self.logger = logger
        self.memory = memory
        self.operatorConfig = operatorConfig
    }
}
