import Foundation

/// The one place a run remembers anything: the apply journal and the apply lock (and,
/// later, the last report and its history). `$XDG_STATE_HOME/reconcile`; as root
/// without `XDG_STATE_HOME`, `/var/lib/reconcile`; otherwise `~/.local/state/reconcile`
/// (the XDG default).
public struct StateDirectory: Sendable, Hashable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The default for this process's environment and user.
    public static func standard(
        environment: [String: String] = ProcessInfo.processInfo.environment, isRoot: Bool = geteuid() == 0
    ) -> StateDirectory {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return StateDirectory(path: state + "/reconcile")
        }
        if isRoot { return StateDirectory(path: "/var/lib/reconcile") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return StateDirectory(path: home + "/.local/state/reconcile")
    }

    /// `journal.jsonl`: one JSON line per executed action.
    public var journal: String { path + "/journal.jsonl" }

    /// The apply lock beside a journal (`apply.lock` in the journal's directory), so two
    /// runs writing one journal never apply at the same time.
    public static func lock(besideJournal journal: String) -> String {
        let directory = (journal as NSString).deletingLastPathComponent
        return (directory.isEmpty ? "." : directory) + "/apply.lock"
    }

    /// Creates `directory` and its parents (mode 0700: journals name the stack's internals).
    static func create(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateError("cannot create the state directory \(directory): \(error.localizedDescription)")
        }
    }
}

/// A state file (journal, lock) could not be used.
public struct StateError: Error, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
