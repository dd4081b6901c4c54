import Foundation

/// The apply journal: one JSON line per executed action, appended as it happens, so
/// after a crash or a SIGKILL the file still says what was changed and what was undone.
/// Lines carry the action's summary and its before/after values, never a payload and
/// never a secret (actions are built without them).
public struct Journal: Sendable {
    public let path: String
    /// The run's secrets, masked in every line (as in every other output).
    private var secrets: SecretRegistry?

    /// One line: `{time, commit, checker, resource, action, before, after, result, detail}`.
    struct Entry: EncodesEveryField {
        let time: String
        let commit: String?
        let checker: String
        let resource: String
        let action: String
        let before: String?
        let after: String?
        let result: String
        let detail: String?
    }

    /// Opens (creating its directory and the file) so a journal that cannot be written
    /// stops the run before anything is changed. A symbolic link there is refused, never
    /// followed (as the report file's and the lock's).
    public init(path: String) throws {
        self.path = path
        try StateDirectory.create(StateDirectory.directory(of: path))
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StateError("cannot open the journal \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
    }

    /// This journal, masking the secrets `registry` holds when a line is written.
    public func masking(with registry: SecretRegistry) -> Journal {
        var journal = self
        journal.secrets = registry
        return journal
    }

    /// Appends the line of one executed (or undone) action.
    func record(_ action: Action, result: ActionStatus, detail: String?, commit: String?, at time: Date = Date()) throws {
        let mask = (secrets?.mask ?? SecretMask(secrets: [])).mask
        try append(
            Entry(
                time: Self.timestamp(time), commit: commit, checker: action.checker, resource: mask(action.resource),
                action: mask(action.summary), before: action.before.map(mask), after: action.after.map(mask),
                result: result.rawValue, detail: detail.map(mask)))
    }

    /// A line saying that apply did nothing because the commit is not verified
    /// (`--require-signed`, `trust.require_signed`): the journal is where an operator
    /// looks for what apply did, and why not.
    public func recordRefusal(_ reason: String, commit: String?, at time: Date = Date()) throws {
        try append(
            Entry(
                time: Self.timestamp(time), commit: commit, checker: "trust", resource: "commit",
                action: "apply refused: the commit is not verified", before: nil, after: nil,
                result: ActionStatus.skipped.rawValue, detail: reason))
    }

    private static func timestamp(_ time: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: time)
    }

    /// Appends one line with a single write(2) and syncs it.
    private func append(_ entry: Entry) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StateError("cannot open the journal \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else {
            throw StateError("cannot append to the journal \(path): \(String(cString: strerror(errno)))")
        }
    }
}
