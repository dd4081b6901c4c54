/// Async HTTP client. Cheap to create: all clients share the one transfer thread, and
/// hundreds of requests can be in flight at once without a thread each.
///
/// Only this package creates clients (the initializer is `package`): checkers get theirs
/// from `ObservationContext`, which applies the run mode's policy, so no plugin can
/// bypass a dry run's read-only policy with a client of its own.
public struct HTTPClient: Sendable {
    /// Which requests this client lets out of the process.
    public let policy: RequestPolicy

    package init(policy: RequestPolicy) {
        self.policy = policy
    }

    /// At most `maxConnectionsPerHost` requests to one host (scheme, host and port, or
    /// unix socket) are in flight at once, process-wide; the rest wait their turn in
    /// order, and their timeouts start when they do. Set once at start-up (the CLI's
    /// `--max-connections-per-host`); the default is 64.
    public static func configure(maxConnectionsPerHost: Int) {
        TransferLoop.maxConnectionsPerHost.store(max(1, maxConnectionsPerHost), ordering: .sequentiallyConsistent)
    }

    /// The per-host limit in force, for callers that queue their own work per host
    /// (``HTTPRequest/hostKey``) rather than start requests that would only wait.
    public static var maxConnectionsPerHost: Int { TransferLoop.maxConnectionsPerHost.load(ordering: .relaxed) }

    /// Performs `request` and returns the response, whatever its status.
    ///
    /// Refused requests throw HTTPError(kind: .refusedByPolicy) and never reach the
    /// network. Cancelling the calling task stops the transfer at once and throws
    /// `.cancelled`.
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        guard policy.allows(request) else { throw policy.refusal(of: request) }
        guard !Task.isCancelled else { throw .cancelled() }
        let transfer = try Transfer(request)
        let loop = TransferLoop.shared
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { loop.start(transfer, $0) }
        } onCancel: {
            loop.cancel(transfer)
        }
        return try result.get()
    }
}
