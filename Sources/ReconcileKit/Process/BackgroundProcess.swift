import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A program started and left running (a server: Caddy, Podman's API service, a fixture),
/// with its stdout and stderr appended to a file, stopped by its pid when its owner is done.
///
/// The same start as ``Subprocess`` (``ChildSpawn``: its own process group, no inherited
/// descriptor, an empty signal mask, so a SIGTERM reaches it), so there is one process
/// runner; what differs is the waiting. Nothing reads a pipe (the output file needs no
/// reader, so a chatty server can never block on a full pipe), and one thread per
/// process waits for the exit: it then kills whatever the program left in its group and
/// reaps it. Until the reap, the pid cannot be reused, so ``signal(_:)`` and ``stop(grace:)``
/// never reach another process.
public final class BackgroundProcess: Sendable {
    private struct State {
        var status: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
    }

    /// The process's id, also its process group's.
    public let pid: pid_t
    private let state = Mutex(State())
    private let exited = DispatchGroup()

    /// Starts `executable` (a path) with `arguments`, exactly `environment`, in
    /// `workingDirectory`, stdin empty, stdout and stderr appended to `outputFile`.
    public init(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: String, outputFile: String
    ) throws(Subprocess.LaunchFailure) {
        let spawn = ChildSpawn(
            executable: executable, arguments: arguments, environment: environment, workingDirectory: workingDirectory,
            stdin: Data(), outputFile: outputFile)
        pid = try spawn.start().pid
        ChildProcessGroups.shared.insert(pid)
        exited.enter()
        Thread.detachNewThread { [self] in watch() }
    }

    /// True until the process has exited and been reaped.
    public var isRunning: Bool { state.withLock { $0.status == nil } }

    /// The exit status (128 + the signal when a signal ended it), nil while it runs.
    public var exitStatus: Int32? { state.withLock { $0.status } }

    /// Sends `signal` to the process (not its group), unless it has already exited.
    public func signal(_ signal: Int32) {
        state.withLock { state in
            if state.status == nil { _ = kill(pid, signal) }
        }
    }

    /// Blocks this thread until the process has exited; returns its status. Never call it
    /// on the cooperative pool.
    public func waitBlocking() -> Int32 {
        exited.wait()
        return state.withLock { $0.status! }
    }

    /// Suspends until the process has exited; returns its status.
    public func exitStatus() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status: Int32? = state.withLock { state in
                if state.status == nil { state.waiters.append(continuation) }
                return state.status
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// SIGTERM to the process, then after `grace` SIGKILL to its whole group; returns once
    /// it is reaped, with its exit status. Blocks: call it off the cooperative pool or where
    /// a test ends.
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) -> Int32 {
        signal(SIGTERM)
        if exited.wait(timeout: .now() + grace.inSeconds) == .timedOut {
            state.withLock { state in
                if state.status == nil { _ = kill(-pid, SIGKILL) }
            }
        }
        return waitBlocking()
    }

    /// Waits for the exit without reaping (`WNOWAIT`), kills what is left in the group,
    /// then reaps and hands the status to every waiter.
    private func watch() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
        ChildProcessGroups.shared.remove(pid)
        let waiters = state.withLock { state -> [CheckedContinuation<Int32, Never>] in
            _ = kill(-pid, SIGKILL)
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &status, 0) } while result == -1 && errno == EINTR
            state.status = result == pid ? ChildSpawn.decode(waitStatus: status).status : -1
            defer { state.waiters = [] }
            return state.waiters
        }
        exited.leave()
        let status = state.withLock { $0.status! }
        for waiter in waiters { waiter.resume(returning: status) }
    }
}
