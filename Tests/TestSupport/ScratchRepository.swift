import Foundation

/// A real git repository made with the git CLI in a temp dir, the way a user (or an
/// operator keeping desired state) makes one, isolated from the machine's git config (no
/// global or system settings leak in). Every test that needs a repository uses this one.
public final class ScratchRepository: Sendable {
    public let directory: TemporaryDirectory
    public var path: String { directory.path }

    /// Identity and isolation for git, also for the `reconcile` processes tests start.
    public static let environment: [String: String?] = [
        "GIT_AUTHOR_NAME": "Reconcile Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Reconcile Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
    ]

    /// A new repository on branch `main`; `files`, when given, are committed.
    public init(bare: Bool = false, files: [String: String] = [:]) throws {
        directory = try TemporaryDirectory(prefix: "reconcile-git")
        try git(["-c", "init.defaultBranch=main", "init", "--quiet"] + (bare ? ["--bare"] : []))
        if !files.isEmpty { try commit(files, message: "config") }
    }

    /// Runs git in the repository; returns its trimmed stdout.
    @discardableResult
    public func git(_ arguments: [String]) throws -> String {
        try runChecked("git", arguments, environment: Self.environment, workingDirectory: path)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    public func git(_ arguments: String...) throws -> String { try git(arguments) }

    /// Writes a file in the working tree (not committed); returns its path.
    @discardableResult
    public func write(_ relative: String, _ contents: String) throws -> String {
        try directory.write(relative, contents)
    }

    /// Writes `files` (nil content deletes), commits everything, returns the new commit's sha.
    @discardableResult
    public func commit(_ files: [String: String?] = [:], message: String = "change") throws -> String {
        for (relative, contents) in files {
            if let contents {
                try directory.write(relative, contents)
            } else {
                try FileManager.default.removeItem(atPath: directory.file(relative))
            }
        }
        try git("add", "--all")
        try git("commit", "--quiet", "--allow-empty", "-m", message)
        return try git("rev-parse", "HEAD")
    }

    /// `realpath` of a path inside this repository, for comparing with what libgit2 reports.
    public func real(_ relative: String = "") -> String {
        URL(fileURLWithPath: directory.file(relative)).resolvingSymlinksInPath().path
    }
}
