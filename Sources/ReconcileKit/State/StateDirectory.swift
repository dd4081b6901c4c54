import Foundation

/// The one place a run remembers anything: the last report, the bounded history of runs
/// (what notifications compare with), deliveries still owed, the apply journal and the
/// apply lock. `$XDG_STATE_HOME/reconcile`; as root without `XDG_STATE_HOME`,
/// `/var/lib/reconcile`; otherwise `~/.local/state/reconcile` (the XDG default).
///
/// Created with mode 0700 and every file written atomically (temporary file + rename), so
/// a reader never sees half a report and a crash never leaves a torn history.
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

    /// `last-report.json`: the last run's JSON report, as `--report-file` would write it.
    public var lastReport: String { path + "/last-report.json" }
    /// `history.jsonl`: one line per run, newest last, at most `RunHistory.limit`.
    public var history: String { path + "/history.jsonl" }
    /// `notifications.json`: messages whose delivery failed, retried on the next run.
    public var pendingNotifications: String { path + "/notifications.json" }

    /// `journal.jsonl`: one JSON line per action apply executed.
    public var journal: String { path + "/journal.jsonl" }

    /// `apply.lock`: the host's one apply lock, in the standard state directory
    /// (``standard(environment:isRoot:)``), whatever `--journal` or `--state-dir` a run
    /// names, so two applies on one host never change it at the same time.
    public var applyLock: String { path + "/apply.lock" }

    /// The directory a file path names (`.` for a bare name such as `journal.jsonl`).
    public static func directory(of file: String) -> String {
        let directory = (file as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// Creates `directory` and its parents with mode 0700: reports and journals name the
    /// stack's internals (a journal given by `--journal` gets the same protection as the
    /// state directory).
    static func create(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateError("cannot create the state directory \(directory): \(error.localizedDescription)")
        }
    }

    /// Writes `text` to `file` (a path from this type) atomically, readable by the owner only.
    public func write(_ text: String, to file: String) throws {
        try write(chunks: [Data(text.utf8)], to: file)
    }

    /// Writes `chunks`, one after another, to `file` atomically, readable by the owner only.
    public func write(chunks: [Data], to file: String) throws {
        try Self.create(path)
        do {
            try ReportFile.write(chunks: chunks, to: file, permissions: 0o600)
        } catch {
            throw StateError("\(error)")
        }
    }

    /// The contents of `file`, or nil when there is none yet.
    public func read(_ file: String) -> Data? {
        FileManager.default.contents(atPath: file)
    }
}

/// A state file (history, journal, lock) could not be used.
public struct StateError: Error, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
