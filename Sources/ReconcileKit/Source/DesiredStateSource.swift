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
    /// True when the remote could not be fetched and the commit comes from the clone an
    /// earlier run fetched: the desired state may be out of date.
    public let stale: Bool
    /// When a cached clone of a remote was last fetched; nil for local repositories.
    public let lastFetched: Date?

    /// Public so that a third-party `DesiredStateSource` (and tests) can say where its
    /// files come from; the memberwise initializer would be internal.
    public init(
        repo: String, ref: String, commit: String?, worktree: Bool, stale: Bool = false, lastFetched: Date? = nil
    ) {
        self.repo = repo
        self.ref = ref
        self.commit = commit
        self.worktree = worktree
        self.stale = stale
        self.lastFetched = lastFetched
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case repo, ref, commit, worktree, stale
        case lastFetched = "last_fetched"
    }

    /// `commit` and `last_fetched` are written as `null` when absent; the time as ISO 8601.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(repo, forKey: .repo)
        try container.encode(ref, forKey: .ref)
        try container.encode(commit, forKey: .commit)
        try container.encode(worktree, forKey: .worktree)
        try container.encode(stale, forKey: .stale)
        try container.encode(lastFetched.map(Self.timestamp), forKey: .lastFetched)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        repo = try container.decode(String.self, forKey: .repo)
        ref = try container.decode(String.self, forKey: .ref)
        commit = try container.decodeIfPresent(String.self, forKey: .commit)
        worktree = try container.decode(Bool.self, forKey: .worktree)
        stale = try container.decodeIfPresent(Bool.self, forKey: .stale) ?? false
        lastFetched = try container.decodeIfPresent(String.self, forKey: .lastFetched)
            .flatMap { try? Date($0, strategy: .iso8601) }
    }

    /// The commit's first 12 characters, or the ref when there is no commit: how a message
    /// names the desired state's version.
    public var shortCommitOrRef: String { commit.map { String($0.prefix(12)) } ?? ref }

    /// `2026-11-28T01:02:03Z`: the report's one time format.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

/// Files at one commit, read through libgit2 without touching any working tree. Every
/// read ends by the run's deadline: a corrupt object can make libgit2 spin forever.
public struct GitCommitSource: DesiredStateSource {
    let repository: GitRepository
    let commit: GitObjectID
    let deadline: RunDeadline
    public let origin: SourceOrigin

    /// libgit2 1.5 inflates a truncated loose object forever instead of failing.
    static let corruptionHint = "libgit2 never returns on some corrupt objects: check the repository with git fsck"

    public func read(_ path: String) throws -> Data {
        let (repository, commit) = (repository, commit)
        return try AbandonableWork.run("reading \(path) at \(commit.short)", until: deadline, hint: Self.corruptionHint) {
            try repository.readFile(path, at: commit)
        }
    }

    public func list(_ directory: String) throws -> [String] {
        let (repository, commit) = (repository, commit)
        return try AbandonableWork.run(
            "listing \(directory)/ at \(commit.short)", until: deadline, hint: Self.corruptionHint
        ) {
            try repository.listFiles(in: directory, at: commit)
        }
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
