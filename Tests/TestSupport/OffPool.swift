import Foundation

/// Runs blocking work (starting a server, waiting for a subprocess, a poll) on a thread of
/// its own, so it never occupies one of the few cooperative threads that parallel async
/// tests share.
///
/// The work, and what it captured (a test's servers, say), is let go before the caller
/// resumes: the thread's own closure outlives the resume, and when it held the work, a
/// test's servers stopped when the thread ended, after the test, or never when that test
/// was the process's last.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    let pending = PendingWork(work)
    return try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            let result: Result<T, any Error>
            do {
                let work = pending.take()
                result = Result { try work() }
            }
            continuation.resume(with: result)
        }
    }
}

/// The work handed to the thread, taken out once so that nothing else keeps it.
private final class PendingWork<T>: @unchecked Sendable {
    // Written before the thread starts, then taken by that thread only.
    private var work: (@Sendable () throws -> T)?

    init(_ work: @escaping @Sendable () throws -> T) { self.work = work }

    func take() -> @Sendable () throws -> T {
        defer { work = nil }
        return work!
    }
}
