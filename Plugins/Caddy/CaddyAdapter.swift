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
/// modules). It runs through ReconcileKit's `Subprocess`: the Caddyfile goes in on stdin
/// (`--config /dev/stdin`) and the JSON comes out on stdout; the process runs in an empty
/// temporary directory, so an `import` of a relative path fails visibly instead of
/// reading whatever happens to be on this host, and it is killed (by its pid) when it
/// outlives the timeout or the run is cancelled.
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
        let result = await Subprocess.run(
            executable: caddy, arguments: ["adapt", "--config", "/dev/stdin", "--adapter", "caddyfile"],
            stdin: caddyfile, environment: environment, workingDirectory: scratch, timeout: timeout)
        if let failure = result.launchFailure {
            return .failed("cannot run \(caddy): \(failure.reason)")
        }
        if result.timedOut {
            return .failed("`caddy adapt` did not finish within \(timeout.secondsText); it was stopped")
        }
        guard result.status == 0 else {
            // The status as Foundation reports it: the signal number alone when one ended it.
            return .failed(
                errorText(result.stderr, path: path)
                    ?? "`caddy adapt` exited with status \(result.signal ?? result.status)")
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
