/// Async HTTP client. Cheap to create: all clients share the one transfer thread, so a
/// checker can make its own client (with the run's policy) without any setup or
/// teardown, and hundreds of requests can be in flight at once without a thread each.
public struct HTTPClient: Sendable {
    /// Which requests this client lets out of the process.
    public let policy: RequestPolicy

    public init(policy: RequestPolicy = .allowAll) {
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
