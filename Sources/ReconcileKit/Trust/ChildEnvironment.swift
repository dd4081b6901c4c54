import Foundation

/// The environment reconcile gives a child it starts for a manifest (a project's
/// Python, on the host or through docker exec): fixed and minimal, never reconcile's
/// own (which holds the health token and whatever cron or systemd set).
///
/// The manifest's `env` reaches the child only through the operator config's
/// `runner_env:` allowlist, and keys that make Python, the dynamic loader or a shell
/// execute code never do, even when allowlisted: `PYTHONSTARTUP`, `PYTHONWARNINGS`
/// (imports a module), `PYTHONPATH`, `LD_PRELOAD`, `BASH_FUNC_name%%` (an exported
/// shell function), `BROWSER` (run by `webbrowser`).
public enum ChildEnvironment {
    /// Prefixes of keys never passed to a child; `BROWSER` is matched as a whole name.
    public static let forbidden = ["PYTHON", "LD_", "BASH_FUNC_", "BROWSER"]

    /// The forbidden prefix `key` starts with, if any.
    static func forbiddenPrefix(of key: String) -> String? {
        forbidden.first { $0 == "BROWSER" ? key == $0 : key.hasPrefix($0) }
    }

    /// The manifest's `env` split into what the operator config lets through and the
    /// keys it refused (with the reason), in key order.
    public static func filter(_ manifest: [String: String], by config: OperatorConfig)
        -> (kept: [String: String], refused: [(key: String, reason: String)])
    {
        var kept: [String: String] = [:]
        var refused: [(key: String, reason: String)] = []
        for key in manifest.keys.sorted() {
            switch config.decide(.childEnvironment(key)) {
            case .allowed: kept[key] = manifest[key]
            case .refused(let reason): refused.append((key, reason))
            }
        }
        return (kept, refused)
    }

    /// The PATH a child gets: reconcile's own (the operator's, from cron or the unit),
    /// or the usual system directories. It names directories, never a secret.
    public static func path(from environment: [String: String]) -> String {
        environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
    }

    /// The first executable file called `name` in the directories of `path` (a PATH
    /// value): children are started by absolute path, never looked up by the spawn.
    public static func executable(_ name: String, in path: String) -> String? {
        path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
