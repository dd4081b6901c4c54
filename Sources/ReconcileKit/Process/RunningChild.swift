import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One started child, watched by a thread of its own: reads both pipes, notices the
/// exit, kills the process group at the deadline or on request, reaps the child, and
/// hands the result to whoever waits (a suspended task or a blocked thread).
final class RunningChild: Sendable {
    private struct State {
        /// Set once the child is reaped: from then on its pid may belong to someone else,
        /// so nothing is sent to it any more.
        var reaped = false
        var timedOut = false
        var output: Subprocess.Output?
        var waiter: CheckedContinuation<Subprocess.Output, Never>?
    }

    private let pid: pid_t
    private let state = Mutex(State())
    /// Signalled once the output is ready, for ``waitBlocking()``.
    private let finished = DispatchSemaphore(value: 0)

    init(_ spawn: ChildSpawn, timeout: Duration, outputLimit: Int) throws(Subprocess.LaunchFailure) {
        let started = try spawn.start()
        pid = started.pid
        ChildProcessGroups.shared.insert(started.pid)
        let deadline = ContinuousClock.now + timeout
        Thread.detachNewThread { [self] in
            let (stdout, stderr) = drain(started.stdout, started.stderr, limit: outputLimit, deadline: deadline)
            close(started.stdout)
            close(started.stderr)
            let (status, signal) = reap(deadline: deadline)
            let (output, waiter) = state.withLock { state in
                let output = Subprocess.Output(
                    status: status, signal: signal, stdout: stdout, stderr: stderr, timedOut: state.timedOut)
                state.output = output
                defer { state.waiter = nil }
                return (output, state.waiter)
            }
            finished.signal()
            waiter?.resume(returning: output)
        }
    }

    /// Suspends until the child has exited and its output is read.
    func output() async -> Subprocess.Output {
        await withCheckedContinuation { continuation in
            let ready: Subprocess.Output? = state.withLock { state in
                if let output = state.output { return output }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Blocks this thread until the child has exited and its output is read.
    func waitBlocking() -> Subprocess.Output {
        finished.wait()
        return state.withLock { $0.output! }
    }

    /// SIGKILL to the child's whole process group (it cannot be blocked or ignored),
    /// unless the child is already reaped.
    func kill() {
        state.withLock { state in
            if !state.reaped { Glibc.kill(-pid, SIGKILL) }
        }
    }

    /// Reads both pipes until both reach end of file, the deadline passes (the group is
    /// killed, reading goes on until the pipes close), or a second after the child
    /// exited while something outside its group still holds a pipe open.
    private func drain(_ outFD: Int32, _ errFD: Int32, limit: Int, deadline: ContinuousClock.Instant) -> (Data, Data) {
        var buffers = [Data(), Data()]
        var open = [true, true]
        let fds = [outFD, errFD]
        var chunk = [UInt8](repeating: 0, count: 65536)
        var exitedSince: ContinuousClock.Instant?
        while open[0] || open[1] {
            let now = ContinuousClock.now
            if now >= deadline { killAtDeadline() }
            if exitedSince == nil, exited() {
                exitedSince = now
                // What the child left running in its group does not outlive it.
                kill()
            }
            if let since = exitedSince, now - since > .seconds(1) { break }
            var polls = (0..<2).filter { open[$0] }.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polls, nfds_t(polls.count), 100)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            for entry in polls where entry.revents != 0 {
                let index = entry.fd == outFD ? 0 : 1
                let count = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    let room = max(0, limit - buffers[index].count)
                    if room > 0 { buffers[index].append(contentsOf: chunk[0..<min(count, room)]) }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    open[index] = false
                }
            }
        }
        return (buffers[0], buffers[1])
    }

    /// Marks the run as timed out and kills the group, once, if the child still runs.
    private func killAtDeadline() {
        let running = state.withLock { state -> Bool in
            guard !state.reaped, !state.timedOut, !exited() else { return false }
            state.timedOut = true
            return true
        }
        if running { kill() }
    }

    /// True once the child has exited (it stays unreaped: `WNOWAIT`), so its group can
    /// still be killed safely.
    private func exited() -> Bool {
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == pid
    }

    /// Waits for the exit (killing the group at the deadline if it comes first, which it
    /// can when a pipe closed early), kills what is left in the group, reaps the child
    /// and returns its status (128 + signal when a signal ended it) and signal.
    private func reap(deadline: ContinuousClock.Instant) -> (Int32, Int32?) {
        while !exited() {
            if ContinuousClock.now >= deadline { killAtDeadline() }
            usleep(5_000)
        }
        kill()
        ChildProcessGroups.shared.remove(pid)
        var status: Int32 = 0
        let reaped = state.withLock { state -> Bool in
            var result: pid_t
            repeat { result = waitpid(pid, &status, 0) } while result == -1 && errno == EINTR
            state.reaped = true
            return result == pid
        }
        guard reaped else { return (-1, nil) }
        return ChildSpawn.decode(waitStatus: status)
    }
}
