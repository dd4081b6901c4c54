import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one short-lived external program to completion, under a deadline, for checker
/// plugins (`caddy adapt`, a project's Python, `git`, …).
///
/// Why it exists: plugins run on Swift's cooperative pool, which has as many threads as
/// cores (two on small hosts), so a blocking `Process.waitUntilExit` would stall half of
/// reconcile. Here the caller suspends instead, and everything that blocks runs on one
/// dedicated thread per run:
///
/// - stdin comes from an unlinked temporary file, so nothing is left on disk and a
///   child that exits without reading cannot make reconcile die of SIGPIPE;
/// - stdout and stderr are read by that thread with `poll`, so a large output cannot
///   fill a pipe and deadlock, and each is capped in memory at `outputLimit` bytes;
/// - the caller suspends until the process has exited and its output is read. The
///   exit is also detected with `waitid(WNOWAIT)`: Foundation's `Process` learns of an
///   exit only when a socket the child inherited reaches end of file, and a process that
///   inherited it too (a child spawned at the same moment elsewhere, a daemon the child
///   left behind, such as podman's conmon) would otherwise keep the run waiting for ever;
/// - a timeout, or cancelling the calling task, sends SIGKILL to this pid only (never to
///   a process group, so nothing else on the host is touched).
///
/// It never throws: a program that could not be started is reported in the result
/// (``Output/launchFailure``), next to the exit status, both streams and whether the
/// deadline stopped it.
public enum Subprocess {
    /// What a run left behind.
    public struct Output: Sendable {
        /// The exit status; 128 + the signal number when a signal ended the process (as a
        /// shell reports it), so a process killed at the timeout has 137. -1 when it
        /// never started.
        public var status: Int32
        /// The signal that ended the process, nil when it exited (or never started).
        public var signal: Int32?
        /// What it wrote, at most `outputLimit` bytes of each stream.
        public var stdout: Data
        public var stderr: Data
        /// True when the deadline passed first and the process was killed.
        public var timedOut: Bool
        /// Why the program did not start; nil when it ran.
        public var launchFailure: LaunchFailure?

        public init(
            status: Int32, signal: Int32? = nil, stdout: Data = Data(), stderr: Data = Data(), timedOut: Bool = false,
            launchFailure: LaunchFailure? = nil
        ) {
            self.status = status
            self.signal = signal
            self.stdout = stdout
            self.stderr = stderr
            self.timedOut = timedOut
            self.launchFailure = launchFailure
        }

        /// This output, or its launch failure thrown, for callers that treat a program
        /// that cannot start as an error.
        public func launched() throws(LaunchFailure) -> Output {
            if let launchFailure { throw launchFailure }
            return self
        }
    }

    /// Why a program did not start.
    public struct LaunchFailure: Error, Sendable, CustomStringConvertible {
        /// What went wrong, without the program's name ("The file “python” doesn’t exist.",
        /// "cannot create a temporary file: errno 24").
        public var reason: String
        /// The whole message: "cannot start /usr/bin/python3: " + the reason when the
        /// program could not be executed, the reason alone when its stdin could not be
        /// prepared.
        public var description: String

        public init(reason: String, description: String) {
            self.reason = reason
            self.description = description
        }

        init(_ message: String) {
            self.init(reason: message, description: message)
        }
    }

    /// Runs `executable` (a path, not looked up on PATH) with `arguments`, `stdin` as its
    /// standard input, exactly `environment` as its environment, in `workingDirectory`;
    /// kills it when it outlives `timeout` or the calling task is cancelled. Returns when
    /// it has exited and its output has been read.
    public static func run(
        executable: String, arguments: [String] = [], stdin: Data = Data(), environment: [String: String],
        workingDirectory: String, timeout: Duration, outputLimit: Int = 16 << 20
    ) async -> Output {
        let running: Running
        do {
            running = try Running(
                executable, arguments, environment: environment, workingDirectory: workingDirectory, stdin: stdin,
                outputLimit: outputLimit)
        } catch {
            return Output(status: -1, launchFailure: error)
        }
        return await withTaskCancellationHandler {
            await running.wait(timeout: timeout)
        } onCancel: {
            running.kill()
        }
    }

    private final class Running: Sendable {
        private struct State {
            var exited = false
            var drained = false
            var timedOut = false
            /// The exit status (and signal) read with waitid, when Foundation never reported the exit.
            var fallbackStatus: (status: Int32, signal: Int32?)?
            var stdout = Data()
            var stderr = Data()
            var waiter: CheckedContinuation<Void, Never>?
            var done: Bool { exited && drained }
        }

        /// The state shared with the termination handler and the reader thread.
        private final class Shared: Sendable {
            let mutex = Mutex(State())
        }

        private let process: Process
        private let pid: Int32
        private let shared = Shared()

        init(
            _ executable: String, _ arguments: [String], environment: [String: String], workingDirectory: String,
            stdin: Data, outputLimit: Int
        ) throws(LaunchFailure) {
            let input = try Self.unlinkedFile(containing: stdin)
            let out = Pipe()
            let err = Pipe()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = environment
            process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
            process.standardInput = input
            process.standardOutput = out
            process.standardError = err
            self.process = process
            let shared = self.shared
            process.terminationHandler = { _ in
                let waiter: CheckedContinuation<Void, Never>? = shared.mutex.withLock { state in
                    state.exited = true
                    guard state.done, let waiter = state.waiter else { return nil }
                    state.waiter = nil
                    return waiter
                }
                waiter?.resume()
            }
            // No signal-mask juggling here: Swift's threads block most signals and the
            // child inherits that mask, but unblocking signals on a pool thread, even for a
            // moment, lets process-wide signals (SIGCHLD among them) land on it with their
            // default action. A child that needs signals (Django's introspection script)
            // clears its own mask instead.
            do {
                try process.run()
            } catch {
                try? input.close()
                throw LaunchFailure(
                    reason: error.localizedDescription,
                    description: "cannot start \(executable): \(error.localizedDescription)")
            }
            pid = process.processIdentifier
            try? input.close()

            let stdoutFD = out.fileHandleForReading.fileDescriptor
            let stderrFD = err.fileHandleForReading.fileDescriptor
            let pid = self.pid
            Thread.detachNewThread {
                let (stdout, stderr) = Self.drain(
                    stdoutFD, stderrFD, limit: outputLimit,
                    exited: {
                        shared.mutex.withLock { $0.exited } || Self.zombieStatus(pid) != nil
                    })
                withExtendedLifetime((out, err)) {}
                let fallback = Self.awaitExit(pid, noticed: { shared.mutex.withLock { $0.exited } })
                let waiter: CheckedContinuation<Void, Never>? = shared.mutex.withLock { state in
                    state.stdout = stdout
                    state.stderr = stderr
                    state.drained = true
                    if !state.exited, let fallback {
                        state.exited = true
                        state.fallbackStatus = fallback
                    }
                    guard state.done, let waiter = state.waiter else { return nil }
                    state.waiter = nil
                    return waiter
                }
                waiter?.resume()
            }
        }

        func wait(timeout: Duration) async -> Output {
            let components = timeout.components
            let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
            let timer = DispatchWorkItem { [self] in
                let running = shared.mutex.withLock { state in
                    if !state.exited { state.timedOut = true }
                    return !state.exited
                }
                if running { kill() }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: timer)
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = shared.mutex.withLock { state in
                    if state.done { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
            timer.cancel()
            let (fallback, stdout, stderr, timedOut) = shared.mutex.withLock { state in
                (state.fallbackStatus, state.stdout, state.stderr, state.timedOut)
            }
            let status: Int32
            let signal: Int32?
            if let fallback {
                (status, signal) = fallback
            } else if process.terminationReason == .uncaughtSignal {
                (status, signal) = (128 + process.terminationStatus, process.terminationStatus)
            } else {
                (status, signal) = (process.terminationStatus, nil)
            }
            return Output(status: status, signal: signal, stdout: stdout, stderr: stderr, timedOut: timedOut)
        }

        /// SIGKILL to this process only (it cannot be blocked or ignored).
        func kill() {
            let exited = shared.mutex.withLock { $0.exited }
            if !exited && pid > 0 { Glibc.kill(pid, SIGKILL) }
        }

        /// Reads both pipes until both reach end of file. If the process has exited but
        /// something it started still holds a pipe open, reading stops after a second.
        private static func drain(_ outFD: Int32, _ errFD: Int32, limit: Int, exited: () -> Bool) -> (Data, Data) {
            var buffers = [Data(), Data()]
            var open = [true, true]
            let fds = [outFD, errFD]
            var chunk = [UInt8](repeating: 0, count: 65536)
            var exitedSince: ContinuousClock.Instant?
            while open[0] || open[1] {
                var polls = (0..<2).filter { open[$0] }.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
                let ready = poll(&polls, nfds_t(polls.count), 100)
                if ready < 0 {
                    if errno == EINTR { continue }
                    break
                }
                if ready == 0 {
                    if exited() {
                        let now = ContinuousClock.now
                        if let since = exitedSince, now - since > .seconds(1) { break }
                        if exitedSince == nil { exitedSince = now }
                    }
                    continue
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

        /// The exit status (128 + signal when killed) and the signal of `pid` if it has
        /// exited and not been reaped yet; nil while it runs. `WNOWAIT` leaves it for
        /// Foundation to reap.
        private static func zombieStatus(_ pid: Int32) -> (status: Int32, signal: Int32?)? {
            var info = siginfo_t()
            guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0,
                info._sifields._sigchld.si_pid == pid
            else { return nil }
            let status = info._sifields._sigchld.si_status
            return info.si_code == Int32(CLD_EXITED) ? (status, nil) : (128 + status, status)
        }

        /// Waits (on this dedicated thread) until Foundation has reported the exit.
        /// Returns a status only if it has not two seconds after the process exited
        /// (its exit socket is held open by another process), so a run never hangs on it.
        private static func awaitExit(_ pid: Int32, noticed: () -> Bool) -> (status: Int32, signal: Int32?)? {
            var zombieSince: ContinuousClock.Instant?
            while !noticed() {
                if let status = zombieStatus(pid) {
                    let now = ContinuousClock.now
                    if let since = zombieSince, now - since > .seconds(2) { return status }
                    if zombieSince == nil { zombieSince = now }
                }
                usleep(5_000)
            }
            return nil
        }

        /// A file holding `data`, already unlinked: only the returned handle refers to it.
        private static func unlinkedFile(containing data: Data) throws(LaunchFailure) -> FileHandle {
            let template = (NSTemporaryDirectory() as NSString).appendingPathComponent("reconcile-stdin-XXXXXX")
            var bytes = Array(template.utf8CString)
            let fd = mkstemp(&bytes)
            guard fd >= 0 else { throw LaunchFailure("cannot create a temporary file: errno \(errno)") }
            unlink(String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            do {
                try handle.write(contentsOf: data)
                try handle.seek(toOffset: 0)
            } catch {
                throw LaunchFailure("cannot write a temporary file: \(error)")
            }
            return handle
        }
    }
}
