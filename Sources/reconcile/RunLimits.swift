import ArgumentParser
import Foundation
import ReconcileKit
import Synchronization

/// Checks for the numeric flags: every one is validated before use, because a value like
/// `inf`, `nan` or `1e300` parses as a Double and used to trap when turned into a
/// duration (the run died with SIGILL instead of saying what was wrong).
enum NumericFlag {
    /// Seconds in (0, a day], as a Duration.
    static func seconds(_ value: Double, flag: String) throws -> Duration {
        guard value.isFinite, value >= 0.001, value <= 86_400 else {
            throw ValidationError("\(flag) must be a number of seconds from 0.001 to 86400, got \(value)")
        }
        return .nanoseconds(Int64((value * 1e9).rounded()))
    }

    static func count(_ value: Int, flag: String, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
    }
}

/// The last line of defence for `--deadline`: a plain thread (not one of the few
/// cooperative ones, which a stuck blocking call could occupy) that ends the process
/// with a clear error if the run is still going shortly after its deadline. Git work
/// and checks have their own bounds that end sooner with a precise message; this
/// catches anything that slips through them.
enum Watchdog {
    /// When the process started (`main` reads it first thing; a static is initialised on
    /// first use): the run's deadline counts from here.
    static let processStart = ContinuousClock.now
    private static let reporting = Atomic<Bool>(false)

    /// Starts watching `deadline`.
    static func watch(_ deadline: RunDeadline) {
        let thread = Thread {
            // Half a second of grace: the bounded steps report their own, clearer error
            // at the deadline itself.
            Thread.sleep(forTimeInterval: (deadline.remaining + .milliseconds(500)).inSeconds)
            guard !reporting.load(ordering: .sequentiallyConsistent) else { return }
            printError("error: the run did not finish within its deadline of \(deadline.budget.secondsText) (--deadline)")
            ChildProcessGroups.shared.killAll()
            Termination.exit(1, force: true)
        }
        thread.name = "reconcile.watchdog"
        thread.start()
    }

    /// The run is writing its report (or applying): from here on, the watchdog leaves it alone.
    static func standDown() { reporting.store(true, ordering: .sequentiallyConsistent) }
}

/// How the process ends. When work was abandoned at a deadline (a libgit2 call still
/// blocked or spinning on its thread), exit handlers must not run: tearing down OpenSSL
/// or libgit2's globals under that thread could crash the exit and lose the exit code.
/// After a terminating signal the code is 128 + that signal, whatever the run concluded
/// once its killed children ended.
enum Termination {
    static func exit(_ code: Int32, force: Bool = false) -> Never {
        if let signal = ChildProcessGroups.shared.terminatingSignal { _exit(128 + signal) }
        if force || AbandonableWork.inFlight > 0 {
            fflush(nil)
            _exit(code)
        }
        Foundation.exit(code)
    }
}
