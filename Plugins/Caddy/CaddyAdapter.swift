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
/// modules). It runs through ReconcileKit's `Subprocess` on a copy of the Caddyfile and
/// of the repository files it imports (``CaddyfileImports``, which refuses any other
/// import before Caddy runs), in a temporary directory, with an empty environment: no
/// `{$VAR}` placeholder can bring reconcile's environment (a token) into the config or
/// its errors. It is killed with its process group when it outlives the timeout or the
/// run is cancelled.
enum CaddyAdapter {
    static let timeout: Duration = .seconds(30)

    /// Adapts `caddyfile` (the repository's `path`), with the files it imports read from
    /// `source`; `environment` only says where `caddy` is (its PATH).
    static func adapt(
        _ caddyfile: Data, path: String, source: (any DesiredStateSource)?, environment: [String: String],
        timeout: Duration = timeout
    ) async -> CaddyfileOutcome.Result {
        switch collect(caddyfile, path: path, source: source) {
        case .failure(let refused):
            return .failed(refused.description)
        case .success(let collected):
            return await adapt(collected.files, main: path, environment: environment, timeout: timeout)
        }
    }

    /// The Caddyfile and the repository files it imports, or why they may not be adapted.
    static func collect(
        _ caddyfile: Data, path: String, source: (any DesiredStateSource)?
    ) -> Result<CaddyfileImports.Collected, CaddyfileImports.Refused> {
        if let problem = CaddyfileImports.problem(with: path) {
            return .failure(CaddyfileImports.Refused(description: "caddy.caddyfile '\(path)': \(problem)"))
        }
        return Result { () throws(CaddyfileImports.Refused) in
            try CaddyfileImports.collect(
                caddyfile, path: path,
                read: { file in
                    guard let source else { throw CaddyfileImports.Refused(description: "no repository to read it from") }
                    return try source.read(file)
                },
                list: { directory in try source?.list(directory) ?? [] })
        }
    }

    /// Adapts `main` of `files` (repository paths, checked by ``collect``), copied into a
    /// temporary directory.
    static func adapt(
        _ files: [String: Data], main: String, environment: [String: String], timeout: Duration = timeout
    ) async -> CaddyfileOutcome.Result {
        guard let caddy = ChildEnvironment.executable("caddy", in: ChildEnvironment.path(from: environment)) else {
            return .failed(
                "`caddy` is not on PATH, so the Caddyfile cannot be adapted; install it (Debian: apt-get install "
                    + "caddy) or add it to PATH")
        }
        let scratch: String
        do {
            scratch = try ScratchDirectory.make(prefix: "reconcile-caddy-adapt")
            for (file, data) in files {
                let full = "\(scratch)/\(file)"
                try FileManager.default.createDirectory(
                    atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try data.write(to: URL(fileURLWithPath: full))
            }
        } catch {
            return .failed("cannot prepare a temporary directory for `caddy adapt`: \(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let result = await Subprocess.run(
            executable: caddy, arguments: ["adapt", "--config", "\(scratch)/\(main)", "--adapter", "caddyfile"],
            environment: [:], workingDirectory: scratch, timeout: timeout)
        if let failure = result.launchFailure {
            return .failed("cannot run \(caddy): \(failure.reason)")
        }
        if result.timedOut {
            return .failed("`caddy adapt` did not finish within \(timeout.secondsText); it was stopped")
        }
        guard result.status == 0 else {
            return .failed(
                errorText(result.stderr, scratch: scratch)
                    ?? "`caddy adapt` exited with status \(result.signal ?? result.status)")
        }
        return .adapted(result.stdout)
    }

    /// The error from `caddy adapt`'s stderr, with the temporary directory taken out of
    /// the paths so they are the repository's and the line number points at the file in git.
    static func errorText(_ stderr: Data, scratch: String) -> String? {
        let lines = String(decoding: stderr, as: UTF8.self).split(separator: "\n").map(String.init)
        // Warnings are JSON log lines; the failure is the plain "Error: …" line.
        let error = lines.last { $0.hasPrefix("Error:") } ?? lines.last { !$0.hasPrefix("{") } ?? lines.last
        guard var text = error?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.hasPrefix("Error: ") { text.removeFirst(7) }
        return text.replacingOccurrences(of: scratch + "/", with: "")
    }
}
