import Foundation

/// Runs blocking work (starting a server, waiting for a subprocess, a poll) on a thread of
/// its own, so it never occupies one of the few cooperative threads that parallel async
/// tests share.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
