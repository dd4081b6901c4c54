import Foundation
import TestSupport

/// A real git repository made with the git CLI in a temp dir, the way a user makes one,
/// isolated from the machine's git config (no global or system settings leak in).
final class ScratchRepository: Sendable {
    let directory: TemporaryDirectory
    var path: String { directory.path }

    static let environment: [String: String?] = [
        "GIT_AUTHOR_NAME": "Reconcile Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Reconcile Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
    ]

    init(bare: Bool = false) throws {
        directory = try TemporaryDirectory(prefix: "reconcile-git")
        try git(["-c", "init.defaultBranch=main", "init", "--quiet"] + (bare ? ["--bare"] : []))
    }

    /// Runs git in the repository; returns its trimmed stdout.
    @discardableResult
    func git(_ arguments: [String]) throws -> String {
        try runChecked("git", arguments, environment: Self.environment, workingDirectory: path)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    func git(_ arguments: String...) throws -> String { try git(arguments) }

    /// Writes `files` (nil content deletes), commits everything, returns the new commit's sha.
    @discardableResult
    func commit(_ files: [String: String?], message: String = "change") throws -> String {
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
    func real(_ relative: String = "") -> String {
        URL(fileURLWithPath: directory.file(relative)).resolvingSymlinksInPath().path
    }
}
