import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs one short-lived command to completion without ever blocking a thread of Swift's
/// cooperative pool (it has as many threads as cores, two on small hosts: one blocked
/// `waitUntilExit` would stall half of reconcile).
///
/// - stdin comes from an unlinked temporary file, so nothing is left on disk and a
///   child that exits without reading cannot make reconcile die of SIGPIPE;
/// - stdout and stderr are read by one dedicated thread with `poll`, so a large
///   output cannot fill a pipe and deadlock, and are capped in memory;
/// - the caller suspends until the process has exited and its output is read. The
///   exit is also detected with `waitid(WNOWAIT)`: Foundation learns of it when a socket
///   the child inherited reaches end of file, and a process that inherited it too (a
///   child spawned at the same moment elsewhere, a daemon the child left behind) would
///   otherwise keep the run waiting for ever;
/// - a timeout, or cancelling the calling task, sends SIGKILL to this pid only.
struct ChildProcess {
    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data
        var timedOut: Bool
    }

    /// Why the command did not start.
    struct LaunchError: Error, CustomStringConvertible {
        var description: String
    }

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], workingDirectory: String,
        stdin: Data, timeout: Duration, outputLimit: Int = 16 << 20
    ) async throws(LaunchError) -> Output {
        let running = try Running(
            executable, arguments, environment: environment, workingDirectory: workingDirectory, stdin: stdin,
            outputLimit: outputLimit)
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
            /// The exit status read with waitid, when Foundation never reported the exit.
            var fallbackStatus: Int32?
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
        ) throws(LaunchError) {
            let input = try Self.unlinkedFile(containing: stdin)
            let out = Pipe(), err = Pipe()
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
            // default action. The introspection script clears its own mask instead.
            do {
                try process.run()
            } catch {
                try? input.close()
                throw LaunchError(description: "cannot start \(executable): \(error.localizedDescription)")
            }
            pid = process.processIdentifier
            try? input.close()

            let stdoutFD = out.fileHandleForReading.fileDescriptor
            let stderrFD = err.fileHandleForReading.fileDescriptor
            let pid = self.pid
            Thread.detachNewThread {
                let (stdout, stderr) = Self.drain(stdoutFD, stderrFD, limit: outputLimit, exited: {
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
            if let fallback {
                status = fallback
            } else {
                status = process.terminationReason == .uncaughtSignal
                    ? 128 + process.terminationStatus : process.terminationStatus
            }
            return Output(status: status, stdout: stdout, stderr: stderr, timedOut: timedOut)
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

        /// The exit status (128 + signal when killed) of `pid` if it has exited and not
        /// been reaped yet; nil while it runs. `WNOWAIT` leaves it for Foundation to reap.
        private static func zombieStatus(_ pid: Int32) -> Int32? {
            var info = siginfo_t()
            guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0,
                info._sifields._sigchld.si_pid == pid
            else { return nil }
            let status = info._sifields._sigchld.si_status
            return info.si_code == Int32(CLD_EXITED) ? status : 128 + status
        }

        /// Waits (on this dedicated thread) until Foundation has reported the exit.
        /// Returns a status only if it has not two seconds after the process exited
        /// (its exit socket is held open by another process), so a run never hangs on it.
        private static func awaitExit(_ pid: Int32, noticed: () -> Bool) -> Int32? {
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
        private static func unlinkedFile(containing data: Data) throws(LaunchError) -> FileHandle {
            let template = (NSTemporaryDirectory() as NSString).appendingPathComponent("reconcile-stdin-XXXXXX")
            var bytes = Array(template.utf8CString)
            let fd = mkstemp(&bytes)
            guard fd >= 0 else { throw LaunchError(description: "cannot create a temporary file: errno \(errno)") }
            unlink(String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            do {
                try handle.write(contentsOf: data)
                try handle.seek(toOffset: 0)
            } catch {
                throw LaunchError(description: "cannot write a temporary file: \(error)")
            }
            return handle
        }
    }
}
