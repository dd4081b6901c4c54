import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The process groups of the children running now, so that when reconcile itself is
/// told to stop (SIGTERM from systemd or cron's timeout, SIGINT from a terminal) it
/// kills them before it goes: children run in their own groups, so a terminal's Ctrl-C
/// or a signal to reconcile's group would not reach them.
public final class ChildProcessGroups: Sendable {
    /// The one registry; ``Subprocess`` adds and removes its children.
    public static let shared = ChildProcessGroups()

    private struct State {
        var groups = Set<pid_t>()
        /// The terminating signal reconcile received, set in the same critical section
        /// that kills the groups.
        var ending: Int32?
    }

    private let state = Mutex(State())

    func insert(_ group: pid_t) { _ = state.withLock { $0.groups.insert(group) } }
    func remove(_ group: pid_t) { _ = state.withLock { $0.groups.remove(group) } }

    /// SIGKILL to every running child's group.
    public func killAll() { killAll(for: nil) }

    /// The terminating signal reconcile received, once every child's group has been
    /// killed for it (this waits for that); nil when none came. Whatever ends the process
    /// must end it with 128 + this signal: killing the children makes the run they belong
    /// to finish, and its ordinary exit code (3: the check could not observe) would
    /// otherwise race the signal's.
    public var terminatingSignal: Int32? { state.withLock { $0.ending } }

    private func killAll(for signal: Int32?) {
        state.withLock { state in
            if let signal { state.ending = signal }
            for group in state.groups { kill(-group, SIGKILL) }
        }
    }

    /// From now on SIGTERM, SIGINT and SIGHUP kill every child's group and then end
    /// reconcile with 128 + the signal, unless ``handOverInterrupts(to:)`` took them
    /// over. Call it once, early, from the command line.
    ///
    /// The handler only writes the signal's number to a pipe (`write` is async-signal-safe,
    /// a lock is not); a dedicated thread reads it, kills the groups and exits at once
    /// (`_exit`: exit handlers could tear down libraries under threads still working, and
    /// nothing is owed on stdout to a run that was told to stop). This works
    /// whichever thread the signal lands on, unlike `sigwait`, which needs the signals
    /// blocked in every thread (Swift's async `main` does not run on the main thread).
    public func stopChildrenOnTermination() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        Self.signalPipe = ends[1]
        let readEnd = ends[0]
        Thread.detachNewThread { [self] in
            while true {
                var received: Int32 = 0
                while read(readEnd, &received, MemoryLayout<Int32>.size) != MemoryLayout<Int32>.size {
                    if errno != EINTR { return }
                }
                guard let takeover = takeover.withLock({ $0 }) else {
                    killAll(for: received)
                    _exit(128 + received)
                }
                if takeover.killingChildren { killAll() }
                takeover.handler(received)
            }
        }
        for signal in Self.terminating {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var value = number
                _ = write(ChildProcessGroups.signalPipe, &value, MemoryLayout<Int32>.size)
            }
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
    }

    /// From now on SIGTERM, SIGINT and SIGHUP go to `handler` (on the watching thread, not
    /// in signal context) instead of ending reconcile: SIGHUP too, since a closed terminal
    /// or SSH session sends it, and ending there would leave an apply half done (a
    /// container parked and its replacement unrecorded). With `killingChildren` (an apply) they
    /// still kill every child's group first, and the apply records them, then finishes or
    /// undoes the action in flight; without it (`reconcile serve`) the children run on, so
    /// the run in flight finishes whole before the agent stops and exits 0.
    /// Needs ``stopChildrenOnTermination()`` to have run.
    public func handOverInterrupts(killingChildren: Bool = true, to handler: @escaping @Sendable (Int32) -> Void) {
        takeover.withLock { $0 = Takeover(killingChildren: killingChildren, handler: handler) }
    }

    private struct Takeover {
        let killingChildren: Bool
        let handler: @Sendable (Int32) -> Void
    }

    private let takeover = Mutex<Takeover?>(nil)

    /// The write end of the pipe the signal handler writes to; set once, before any
    /// handler is installed.
    nonisolated(unsafe) static var signalPipe: Int32 = -1

    static let terminating = [SIGTERM, SIGINT, SIGHUP]
}
