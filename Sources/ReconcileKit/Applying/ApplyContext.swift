import CurlHTTP
import Foundation
import Logging

/// What `apply` and `undo` may use: an HTTP client whose policy allows changes (only
/// here; observation keeps its own), the desired-state source, the environment and a
/// logger, and a per-run memory for what one action leaves for the next (Caddy's
/// latest ETag after its own change).
public struct ApplyContext: Sendable {
    public let http: HTTPClient
    public let source: any DesiredStateSource
    public let environment: [String: String]
    public let logger: Logger
    public let memory: ApplyMemory

    /// The context of an apply. Besides `ObservationContext`, this is the only place a
    /// client is made for plugins: the one with `RequestPolicy.apply`.
    public init(
        source: any DesiredStateSource, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "reconcile"), memory: ApplyMemory = ApplyMemory()
    ) {
        self.http = HTTPClient(policy: .apply)
        self.source = source
        self.environment = environment
        self.logger = logger
        self.memory = memory
    }
}
