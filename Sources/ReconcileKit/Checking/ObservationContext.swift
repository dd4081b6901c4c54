import CurlHTTP
import Foundation
import Logging

/// Whether reconcile may change anything. In `dryRun` the HTTP client given to
/// checkers refuses every non-read-only request, so read-only is enforced, not hoped.
public enum RunMode: String, Sendable, Codable {
    case dryRun = "dry-run"
    case apply
}

/// What a checker may use while observing: the HTTP client (with the run mode's
/// request policy already applied), the desired-state source (to read other files at
/// the same ref, e.g. a Caddyfile or a compose file), the process environment (for
/// secrets named in the manifest), and a logger.
public struct ObservationContext: Sendable {
    public let mode: RunMode
    public let http: HTTPClient
    public let source: any DesiredStateSource
    /// The environment secrets are read from (`bearer_token_env`); injectable for tests.
    public let environment: [String: String]
    public let logger: Logger

    public init(
        mode: RunMode, http: HTTPClient? = nil, source: any DesiredStateSource,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "reconcile")
    ) {
        self.mode = mode
        self.http = http ?? HTTPClient(policy: mode == .dryRun ? .readOnly : .allowAll)
        self.source = source
        self.environment = environment
        self.logger = logger
    }
}
