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
