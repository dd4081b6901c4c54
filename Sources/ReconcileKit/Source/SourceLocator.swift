import Foundation
import GitStore

/// Turns the CLI's `--repo`, `--ref`, `--worktree` and `--cache-dir` into a
/// `DesiredStateSource`: a local repository (a path, or discovered from the current
/// directory), or a remote URL cloned into a cache and fetched on later runs.
public struct SourceLocator: Sendable {
    public var repo: String?
    public var ref: String
    public var worktree: Bool
    public var cacheDirectory: String
    public var currentDirectory: String

    public init(
        repo: String? = nil, ref: String = "HEAD", worktree: Bool = false, cacheDirectory: String? = nil,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) {
        self.repo = repo
        self.ref = ref
        self.worktree = worktree
        self.cacheDirectory = cacheDirectory ?? Self.defaultCacheDirectory()
        self.currentDirectory = currentDirectory
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

    public func open() throws -> any DesiredStateSource {
        let repository: GitRepository
        let label: String
        if let repo, Self.isRemote(repo) {
            if worktree { throw SourceError.worktreeNeedsLocalRepository(Redaction.urlCredentials(in: repo)) }
            repository = try GitRepository.cloneOrFetch(url: repo, cacheDirectory: cacheDirectory)
            label = Redaction.urlCredentials(in: repo)
        } else {
            let start = absolute(repo ?? ".")
            repository = try GitRepository.discover(from: start)
            label = repository.workingDirectory.map { Self.trimmedSlash($0) } ?? repository.path
        }
        if worktree {
            guard let root = repository.workingDirectory else {
                throw SourceError.bareRepositoryHasNoWorktree(repository.path)
            }
            let head = try? repository.resolve("HEAD")
            return WorktreeSource(
                root: root, origin: SourceOrigin(repo: label, ref: "worktree", commit: head?.hex, worktree: true))
        }
        let commit = try repository.resolve(ref)
        return GitCommitSource(
            repository: repository, commit: commit,
            origin: SourceOrigin(repo: label, ref: ref, commit: commit.hex, worktree: false))
    }

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
