import Foundation
import GitStore

/// Where the desired state is read from: a commit of a git repository (the normal
/// case: reviewed, reproducible) or a working tree (an engineer's uncommitted edit).
/// Checkers use it to read further files at the same ref (a Caddyfile, a compose file).
public protocol DesiredStateSource: Sendable {
    /// Identity for reports.
    var origin: SourceOrigin { get }
    /// The bytes of a repository-relative file.
    func read(_ path: String) throws -> Data
    /// Repository-relative paths of the files directly inside `directory`, sorted.
    func list(_ directory: String) throws -> [String]
}

/// Which repository, ref and commit a report describes. Every report names the commit.
public struct SourceOrigin: Sendable, Hashable, Codable {
    /// A local path or a URL with any credentials removed.
    public let repo: String
    /// The ref as asked for (`HEAD`, `origin/main`, `v1.2`), or `worktree`.
    public let ref: String
    /// The resolved commit sha (for a work tree: its HEAD commit, if any).
    public let commit: String?
    /// True when files come from the working tree rather than the commit.
    public let worktree: Bool

    /// Public so that a third-party `DesiredStateSource` (and tests) can say where its
    /// files come from; the memberwise initializer would be internal.
    public init(repo: String, ref: String, commit: String?, worktree: Bool) {
        self.repo = repo
        self.ref = ref
        self.commit = commit
        self.worktree = worktree
    }
}

/// Files at one commit, read through libgit2 without touching any working tree.
public struct GitCommitSource: DesiredStateSource {
    let repository: GitRepository
    let commit: GitObjectID
    public let origin: SourceOrigin

    public func read(_ path: String) throws -> Data {
        try repository.readFile(path, at: commit)
    }

    public func list(_ directory: String) throws -> [String] {
        try repository.listFiles(in: directory, at: commit)
    }
}

/// Problems locating the desired state that are not libgit2's own.
public enum SourceError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchFile(path: String, in: String)
    case worktreeNeedsLocalRepository(String)
    case bareRepositoryHasNoWorktree(String)
    case noManifests(directory: String, origin: String)
    /// A `--worktree` path that leaves the working tree (`..`, an absolute path, or a
    /// symbolic link resolving outside it), or is not a regular file.
    case outsideWorktree(path: String, reason: String)

    public var description: String {
        switch self {
        case .noSuchFile(let path, let root): "no such file '\(path)' in the working tree \(root)"
        case .worktreeNeedsLocalRepository(let url):
            "--worktree reads local files, but the repository is a URL (\(url)); clone it or drop --worktree"
        case .bareRepositoryHasNoWorktree(let path): "--worktree: the repository at \(path) is bare (no working tree)"
        case .noManifests(let directory, let origin): "no *.yaml or *.yml manifests in \(directory) at \(origin)"
        case .outsideWorktree(let path, let reason): "refusing to read '\(path)' with --worktree: \(reason)"
        }
    }
}
