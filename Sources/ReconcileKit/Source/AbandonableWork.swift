import Foundation
import Synchronization

/// Runs blocking work that may never return on a thread of its own, and stops waiting
/// for it at a deadline.
///
/// Why abandon rather than cancel: libgit2 1.5 cannot be interrupted. It has no connect
/// or read timeout (a remote that accepts and never answers blocks `git_clone` in
/// `recv` forever), and a truncated loose object makes it inflate forever without ever
/// calling back. Transfer-progress callbacks that return an error only help once data
/// flows, and a socket timeout would need a custom transport. A dedicated thread is the
/// one mechanism that bounds every libgit2 call alike: the caller gets
/// `DeadlineExceeded` on time and goes on (or ends the run), and the thread is left to
/// finish or to die with the process. `inFlight` tells the process it must exit without
/// running exit handlers that could tear down a library under such a thread.
public enum AbandonableWork {
    private static let running = Atomic<Int>(0)

    /// How many pieces of work are still running on their own threads (finished or not
    /// waited for).
    public static var inFlight: Int { running.load(ordering: .sequentiallyConsistent) }

    /// The result of `body`, or `DeadlineExceeded` naming `what` once `deadline` passes.
    /// Blocks the calling thread for at most the time left until `deadline`.
    /// `hint` says what a user can do when it happens.
    public static func run<T: Sendable>(
        _ what: String, until deadline: RunDeadline, hint: String? = nil, _ body: @escaping @Sendable () throws -> T
    ) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        running.add(1, ordering: .sequentiallyConsistent)
        do {
            try startThread {
                box.set(Result { try body() })
                running.subtract(1, ordering: .sequentiallyConsistent)
                done.signal()
            }
        } catch {
            running.subtract(1, ordering: .sequentiallyConsistent)
            throw ThreadStartFailure(what: what, code: error.code)
        }
        let timeout = DispatchTime.now() + .nanoseconds(Int(min(deadline.remaining.nanoseconds, Int64(Int.max / 2))))
        guard done.wait(timeout: timeout) == .success, let result = box.get() else {
            throw DeadlineExceeded(what: what, deadline: deadline, hint: hint)
        }
        return try result.get()
    }

    /// A detached pthread running `body`. Not Foundation's `Thread`: its `start()` cannot
    /// fail, so a thread that could not be created (no address space left) would look
    /// like work that never finishes.
    private static func startThread(_ body: @escaping @Sendable () -> Void) throws(ThreadStartFailure) {
        final class Job {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        // libgit2 recurses while reading deep trees: give it the main thread's stack size.
        pthread_attr_setstacksize(&attributes, 8 << 20)
        let job = Unmanaged.passRetained(Job(body)).toOpaque()
        var thread = pthread_t()
        let code = pthread_create(
            &thread, &attributes,
            { context in
                Unmanaged<Job>.fromOpaque(context!).takeRetainedValue().body()
                return nil
            }, job)
        guard code == 0 else {
            Unmanaged<Job>.fromOpaque(job).release()
            throw ThreadStartFailure(what: "", code: code)
        }
    }

    private struct ThreadStartFailure: Error, CustomStringConvertible {
        let what: String
        let code: Int32
        var description: String { "could not start a thread for \(what): \(String(cString: strerror(code)))" }
    }

    private final class ResultBox<T: Sendable>: Sendable {
        private let value = Mutex<Result<T, any Error>?>(nil)
        func set(_ result: Result<T, any Error>) { value.withLock { $0 = result } }
        func get() -> Result<T, any Error>? { value.withLock { $0 } }
    }
}

/// One deadline over a whole run: git (open, clone, fetch, reads), checks and report.
/// Everything that can block measures its time left from the same instant.
public struct RunDeadline: Sendable, Hashable {
    /// When the run must be over.
    public let instant: ContinuousClock.Instant
    /// The whole budget, for messages ("within 300s").
    public let budget: Duration

    /// A deadline `budget` from now.
    public init(_ budget: Duration, from start: ContinuousClock.Instant = .now) {
        self.budget = budget
        instant = start + budget
    }

    private init(instant: ContinuousClock.Instant, budget: Duration) {
        self.instant = instant
        self.budget = budget
    }

    /// Time left; zero once passed.
    public var remaining: Duration { max(.zero, instant - .now) }

    /// This deadline, or an earlier one `limit` from now when that comes first (a share
    /// of the run for one step, so later steps keep their time).
    public func capped(at limit: Duration) -> RunDeadline {
        let earlier = ContinuousClock.now + limit
        return earlier < instant ? RunDeadline(instant: earlier, budget: limit) : self
    }
}

/// A step did not finish before its deadline; `what` says which, in words for the user.
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    public let what: String
    public let deadline: RunDeadline
    public let hint: String?

    public var description: String {
        "\(what) did not finish within \(deadline.budget.secondsText)" + (hint.map { "; \($0)" } ?? "")
    }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
