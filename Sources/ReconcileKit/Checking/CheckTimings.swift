import Foundation
import Synchronization

/// How long each checker took in one run (observation and comparison), for the
/// `reconcile_check_duration_seconds{checker}` metric. It wraps the planned checks
/// instead of living in the `Reconciler`, so the reconciler stays about deadlines and
/// concurrency; a checker that waits for another's observation (media) includes the wait,
/// which is how long it really took to get its answer.
public final class CheckTimings: Sendable {
    private let seconds = Mutex<[String: Double]>([:])

    public init() {}

    /// `checks`, each recording its duration here when it finishes (the slowest of a
    /// checker's manifests wins).
    public func timing(_ checks: [PlannedCheck]) -> [PlannedCheck] {
        checks.map { check in
            // A copy, so everything else the check carries (its fixer, its plan) stays.
            var timed = check
            timed.observe = { context in
                let clock = ContinuousClock()
                let started = clock.now
                defer { self.record(check.checker, clock.now - started) }
                return try await check.observe(context)
            }
            return timed
        }
    }

    /// Seconds per checker identifier, for the checks that finished.
    public var durations: [String: Double] { seconds.withLock { $0 } }

    private func record(_ checker: String, _ duration: Duration) {
        seconds.withLock { $0[checker] = max($0[checker] ?? 0, duration.inSeconds) }
    }
}
