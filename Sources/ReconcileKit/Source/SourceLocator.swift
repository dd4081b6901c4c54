import Foundation
import GitStore

/// Turns the CLI's `--repo`, `--ref`, `--worktree` and `--cache-dir` into a
/// `DesiredStateSource`: a local repository (a path, or discovered from the current
/// directory), or a remote URL cloned into a cache and fetched on later runs.
///
/// All git work ends by `deadline` (see `AbandonableWork`). When a cached clone exists,
/// fetching gets at most half of the deadline: if the remote fails or hangs, the run goes
/// on against the cached commit with the other half, and says it is stale.
public struct SourceLocator: Sendable {
    public var repo: String?
    public var ref: String
    public var worktree: Bool
    public var cacheDirectory: String
    public var currentDirectory: String
    public var deadline: RunDeadline

    public init(
        repo: String? = nil, ref: String = "HEAD", worktree: Bool = false, cacheDirectory: String? = nil,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        deadline: RunDeadline = RunDeadline(.seconds(300))
    ) {
        self.repo = repo
        self.ref = ref
        self.worktree = worktree
        self.cacheDirectory = cacheDirectory ?? Self.defaultCacheDirectory()
        self.currentDirectory = currentDirectory
        self.deadline = deadline
    }

    /// `$XDG_CACHE_HOME/reconcile`, else `~/.cache/reconcile`.
    public static func defaultCacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return "\(xdg)/reconcile" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return "\(home)/.cache/reconcile"
    }

    /// True for anything git would fetch rather than open: `scheme://…` or `user@host:path`.
    public static func isRemote(_ repo: String) -> Bool {
        if repo.contains("://") { return true }
        guard let at = repo.firstIndex(of: "@"), let colon = repo.firstIndex(of: ":") else { return false }
        return at < colon && !repo.hasPrefix("/")
    }

    /// The source; why the remote could not be fetched when the cached clone stands in for
    /// it (`origin.stale`); and the broken cached clone that was cloned again, if any.
    public func open() throws -> (
        source: any DesiredStateSource, fetchFailure: (any Error)?, replacedCache: ReplacedCache?
    ) {
        let repository: GitRepository
        let label: String
        var fetchFailure: (any Error)?
        if let repo, Self.isRemote(repo) {
            if worktree { throw SourceError.worktreeNeedsLocalRepository(Redaction.urlCredentials(in: repo)) }
            label = Redaction.urlCredentials(in: repo)
            let cacheDirectory = self.cacheDirectory
            if GitRepository.hasCachedClone(url: repo, cacheDirectory: cacheDirectory) {
                do {
                    let share = deadline.capped(at: deadline.budget / 2)
                    repository = try AbandonableWork.run("fetching \(label)", until: share, hint: Self.hangHint) {
                        try GitRepository.cloneOrFetch(url: repo, cacheDirectory: cacheDirectory)
                    }
                } catch {
                    // The clone was broken and is gone (cloning it again failed, or is still
                    // running past its share): nothing to fall back on.
                    if case GitError.unusableCache = error { throw error }
                    guard GitRepository.hasCachedClone(url: repo, cacheDirectory: cacheDirectory) else { throw error }
                    fetchFailure = error
                    repository = try AbandonableWork.run("opening the cached clone of \(label)", until: deadline) {
                        try GitRepository.openCachedClone(url: repo, cacheDirectory: cacheDirectory)
                    }
                }
            } else {
                repository = try AbandonableWork.run("cloning \(label)", until: deadline, hint: Self.hangHint) {
                    try GitRepository.cloneOrFetch(url: repo, cacheDirectory: cacheDirectory)
                }
            }
        } else {
            let start = absolute(repo ?? ".")
            repository = try AbandonableWork.run("opening the repository at \(start)", until: deadline) {
                try GitRepository.discover(from: start)
            }
            label = repository.workingDirectory.map { Self.trimmedSlash($0) } ?? repository.path
        }
        if worktree {
            guard let root = repository.workingDirectory else {
                throw SourceError.bareRepositoryHasNoWorktree(repository.path)
            }
            let head = try? AbandonableWork.run("resolving HEAD", until: deadline) { try repository.resolve("HEAD") }
            return (
                WorktreeSource(
                    root: root, origin: SourceOrigin(repo: label, ref: "worktree", commit: head?.hex, worktree: true)),
                nil, nil
            )
        }
        let ref = self.ref
        let commit = try AbandonableWork.run("resolving \(ref)", until: deadline, hint: GitCommitSource.corruptionHint) {
            try repository.resolve(ref)
        }
        let origin = SourceOrigin(
            repo: label, ref: ref, commit: commit.hex, worktree: false, stale: fetchFailure != nil,
            lastFetched: repository.lastFetched)
        return (
            GitCommitSource(repository: repository, commit: commit, deadline: deadline, origin: origin), fetchFailure,
            repository.replacedCache
        )
    }

    /// libgit2 1.5 has no connect or read timeout: a remote that accepts and never
    /// answers holds a fetch forever.
    static let hangHint = "the remote accepted the connection but did not answer (or answered too slowly)"

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (currentDirectory as NSString).appendingPathComponent(path)
    }

    private static func trimmedSlash(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}

/// Finds the manifest files to read: the ones named, or every `*.yaml`/`*.yml` in
/// `manifests/` at the source's ref.
public enum ManifestSelection {
    public static let defaultDirectory = "manifests"

    public static func paths(named: [String], in source: any DesiredStateSource) throws -> [String] {
        if !named.isEmpty { return named.map(normalised) }
        let files = try source.list(defaultDirectory).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        guard !files.isEmpty else {
            throw SourceError.noManifests(directory: defaultDirectory + "/", origin: source.origin.commit ?? source.origin.ref)
        }
        return files
    }

    /// `./manifests/x.yaml` → `manifests/x.yaml`.
    static func normalised(_ path: String) -> String {
        var path = path
        while path.hasPrefix("./") { path.removeFirst(2) }
        return path
    }
}
