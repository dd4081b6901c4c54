import Foundation
import ReconcileKit

#if canImport(Glibc)
import Glibc
#endif

/// Turns a Caddyfile into Caddy's JSON with the real `caddy adapt`, so the desired
/// routes of a team that keeps its Caddyfile in git are exactly what Caddy would load,
/// with no second Caddyfile parser to drift from Caddy's own.
///
/// `caddy adapt` has no side effects (unlike `caddy validate`, which provisions
/// modules). The Caddyfile goes in on stdin (`--config /dev/stdin`) and the JSON comes
/// out on stdout; the process runs in an empty temporary directory, so an `import` of a
/// relative path fails visibly instead of reading whatever happens to be on this host,
/// and it is killed (by its pid) when it outlives the timeout or the run is cancelled.
enum CaddyAdapter {
    static let timeout: Duration = .seconds(30)

    /// Adapts `caddyfile` (named `path` in messages).
    static func adapt(
        _ caddyfile: Data, path: String, environment: [String: String], timeout: Duration = timeout
    ) async -> CaddyfileOutcome.Result {
        guard let caddy = executable("caddy", environment: environment) else {
            return .failed(
                "`caddy` is not on PATH, so the Caddyfile cannot be adapted; install it (Debian: apt-get install "
                    + "caddy) or add it to PATH")
        }
        let scratch: String
        do {
            scratch = try makeScratchDirectory()
        } catch {
            return .failed("cannot create a temporary directory for `caddy adapt`: \(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let input = scratch + "/stdin.caddyfile"
        guard FileManager.default.createFile(atPath: input, contents: caddyfile) else {
            return .failed("cannot write the Caddyfile to \(input) for `caddy adapt`")
        }
        let result: SubprocessResult
        do {
            result = try await Subprocess.run(
                caddy, ["adapt", "--config", "/dev/stdin", "--adapter", "caddyfile"], stdinFile: input,
                workingDirectory: scratch, environment: environment, timeout: timeout)
        } catch {
            return .failed("cannot run \(caddy): \(error)")
        }
        if result.timedOut {
            return .failed("`caddy adapt` did not finish within \(timeout.secondsText); it was stopped")
        }
        guard result.status == 0 else {
            return .failed(errorText(result.stderr, path: path) ?? "`caddy adapt` exited with status \(result.status)")
        }
        return .adapted(result.stdout)
    }

    /// The error from `caddy adapt`'s stderr, with `/dev/stdin` replaced by the
    /// repository path so the line number points at the file in git.
    static func errorText(_ stderr: Data, path: String) -> String? {
        let lines = String(decoding: stderr, as: UTF8.self).split(separator: "\n").map(String.init)
        // Warnings are JSON log lines; the failure is the plain "Error: …" line.
        let error = lines.last { $0.hasPrefix("Error:") } ?? lines.last { !$0.hasPrefix("{") } ?? lines.last
        guard var text = error?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.hasPrefix("Error: ") { text.removeFirst(7) }
        return text.replacingOccurrences(of: "/dev/stdin", with: path)
    }

    static func executable(_ name: String, environment: [String: String]) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func makeScratchDirectory() throws -> String {
        let template = (NSTemporaryDirectory() as NSString).appendingPathComponent("reconcile-caddy-adapt-XXXXXX")
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: template])
        }
        return String(cString: created)
    }
}

/// What a finished subprocess left behind.
struct SubprocessResult: Sendable {
    var status: Int32
    var stdout: Data
    var stderr: Data
    var timedOut: Bool
}

/// Runs one short-lived command to completion: stdin from a file (so a child that
/// exits early cannot make a write fail with SIGPIPE), stdout and stderr read
/// concurrently (so a large output cannot fill a pipe and deadlock), a timeout, and
/// cancellation. The process is stopped only by its own pid.
enum Subprocess {
    static func run(
        _ executable: String, _ arguments: [String], stdinFile: String, workingDirectory: String,
        environment: [String: String], timeout: Duration
    ) async throws -> SubprocessResult {
        let run = try Running(
            executable, arguments, stdinFile: stdinFile, workingDirectory: workingDirectory, environment: environment)
        return await withTaskCancellationHandler {
            await run.wait(timeout: timeout)
        } onCancel: {
            run.stop()
        }
    }

    /// One started process and what it has written so far.
    private final class Running: @unchecked Sendable {
        private let process = Process()
        private let lock = NSLock()
        private var stdout = Data()
        private var stderr = Data()
        private var timedOut = false
        private let finished = DispatchGroup()

        init(
            _ executable: String, _ arguments: [String], stdinFile: String, workingDirectory: String,
            environment: [String: String]
        ) throws {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = environment
            process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdinFile))
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            finished.enter()
            process.terminationHandler = { [finished] _ in finished.leave() }
            try process.run()
            for (pipe, isOut) in [(out, true), (err, false)] {
                finished.enter()
                DispatchQueue.global().async { [self] in
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    lock.withLock {
                        if isOut { stdout = data } else { stderr = data }
                    }
                    finished.leave()
                }
            }
        }

        func wait(timeout: Duration) async -> SubprocessResult {
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            let timer = DispatchWorkItem { [self] in
                guard process.isRunning else { return }
                lock.withLock { timedOut = true }
                stop()
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: timer)
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                finished.notify(queue: .global()) { continuation.resume() }
            }
            timer.cancel()
            return lock.withLock {
                SubprocessResult(
                    status: process.terminationStatus, stdout: stdout, stderr: stderr, timedOut: timedOut)
            }
        }

        /// SIGKILL to this process only (it cannot be blocked or ignored).
        func stop() {
            let pid = process.processIdentifier
            if pid > 0 && process.isRunning { kill(pid, SIGKILL) }
        }
    }
}
