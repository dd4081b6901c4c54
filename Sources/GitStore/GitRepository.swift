import CLibGit2
import Foundation
import Synchronization

/// A git repository that `reconcile` reads its desired state from: straight out of the
/// object database at a resolved commit, never from the work tree, so what is checked is
/// exactly what was committed (and a remote can be read without any checkout at all).
///
/// Safe to share between tasks: every libgit2 call on the underlying handle happens under
/// one lock, because a `git_repository` must not be used from two threads at once.
public final class GitRepository: Sendable {
    /// The `.git` directory (or the bare repository's directory), without a trailing slash.
    public let path: String
    /// The work tree's root, without a trailing slash; nil for a bare repository.
    public let workingDirectory: String?
    /// True for repositories made by `cloneOrFetch`: there a plain branch name means the
    /// remote's branch as of the last fetch.
    public let isCachedClone: Bool

    /// Set when `cloneOrFetch` found the cached clone broken and cloned it again: the
    /// caller says so once, on stderr.
    public let replacedCache: ReplacedCache?

    private let repository: Mutex<GitHandle>

    private init(_ handle: sending GitHandle, isCachedClone: Bool, replacedCache: ReplacedCache? = nil) {
        path = Self.trimmed(String(libgit2: git_repository_path(handle.pointer)) ?? "")
        workingDirectory = String(libgit2: git_repository_workdir(handle.pointer)).map(Self.trimmed)
        self.isCachedClone = isCachedClone
        self.replacedCache = replacedCache
        repository = Mutex(handle)
    }

    private static func trimmed(_ directory: String) -> String {
        directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
    }

    // MARK: Opening

    /// Opens exactly the repository at `path` (a work tree root, a `.git` directory or a
    /// bare repository) without searching parent directories.
    public static func open(at path: String) throws(GitError) -> GitRepository {
        LibGit2.ensureInitialized()
        let handle = try openHandle(path)
        return GitRepository(handle, isCachedClone: false)
    }

    /// Finds the repository containing `path`, walking up the way `git` itself does.
    public static func discover(from path: String) throws(GitError) -> GitRepository {
        LibGit2.ensureInitialized()
        var found = git_buf()
        defer { git_buf_dispose(&found) }
        try check("git_repository_discover", git_repository_discover(&found, path, 0, nil)) {
            .notARepository(path: path, message: $0.message)
        }
        let handle = try openHandle(String(cString: found.ptr))
        return GitRepository(handle, isCachedClone: false)
    }

    private static func openHandle(_ path: String) throws(GitError) -> GitHandle {
        try GitHandle.make(
            "git_repository_open_ext", free: git_repository_free,
            classify: { failure in
                failure.isNotFound ? .notARepository(path: path, message: failure.message) : failure.generic
            }
        ) { git_repository_open_ext(&$0, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil) }
    }

    // MARK: Remote cache

    /// Clones `url` (file://, https://, ssh://, or a plain path) into a bare repository under
    /// `cacheDirectory` (subdirectory name derived from the URL: a readable sanitised part +
    /// short hash), or, when that clone already exists, fetches incrementally (branches into
    /// refs/remotes/origin/*, tags, prune).
    ///
    /// Holds the clone's `CacheLock` throughout, so runs sharing a cache take turns, and
    /// removes the scratch directories of clones that were interrupted before.
    /// Blocks as long as the remote does (libgit2 1.5 has no connect or read timeout):
    /// callers bound it by running it on a thread they can abandon.
    ///
    /// A password in the URL is handed to libgit2 only through the credentials callback: it
    /// is not stored in the clone's config and never appears in an error.
    ///
    /// A clone that is broken on disk (see `CacheHealth`) is moved aside, removed and
    /// cloned again once (`replacedCache` says why); when that clone fails too, the error
    /// is `.unusableCache`. A fetch that fails leaves the clone alone: the remote is at fault.
    public static func cloneOrFetch(url: String, cacheDirectory: String) throws(GitError) -> GitRepository {
        LibGit2.ensureInitialized()
        let session = RemoteSession(RemoteLocation(url))
        let target = cachePath(session.location, cacheDirectory)
        let lock = try CacheLock(for: target)
        CacheLock.removeAbandonedClones(of: target)
        let (handle, replaced) = try withExtendedLifetime(session) {
            () throws(GitError) -> (GitHandle, ReplacedCache?) in
            guard FileManager.default.fileExists(atPath: target) else {
                return (try clone(session: session, into: target), nil)
            }
            let unusable: CacheHealth.Unusable
            switch try fetchExisting(target, session: session) {
            case .success(let handle): return (handle, nil)
            case .failure(let problem): unusable = problem
            }
            do throws(GitError) {
                try moveAside(target)
                return (try clone(session: session, into: target), ReplacedCache(path: target, reason: unusable.reason))
            } catch {
                throw .unusableCache(path: target, reason: unusable.reason, cloneFailure: error.description)
            }
        }
        FetchStamp.record(in: target)
        withExtendedLifetime(lock) {}
        return GitRepository(handle, isCachedClone: true, replacedCache: replaced)
    }

    /// Opens the existing clone and fetches into it, or says why the clone itself is
    /// unusable (checked before the fetch, and after it for the objects it brought).
    /// Throws only what the fetch throws: then the remote is at fault, not the clone.
    private static func fetchExisting(
        _ target: String, session: RemoteSession
    ) throws(GitError) -> Result<GitHandle, CacheHealth.Unusable> {
        let handle: GitHandle
        do {
            handle = try openHandle(target)
        } catch {
            return .failure(CacheHealth.Unusable("it cannot be opened: \(error)"))
        }
        let remote: GitHandle
        switch CacheHealth.origin(of: handle, fetching: session.location) {
        case .success(let origin): remote = origin
        case .failure(let problem): return .failure(problem)
        }
        if let problem = CacheHealth.unreadableReference(in: handle) { return .failure(problem) }
        try fetch(remote, session: session)
        if let problem = CacheHealth.unreadableReference(in: handle) { return .failure(problem) }
        return .success(handle)
    }

    /// Renames the broken clone to a scratch name (atomically out of the way of other
    /// runs), then removes it the way interrupted clones are removed. `rename` moves a
    /// symbolic link itself, never what it points to.
    private static func moveAside(_ target: String) throws(GitError) {
        guard rename(target, CacheLock.scratchName(for: target)) == 0 else {
            let reason = String(cString: strerror(errno))
            throw .libgit2(call: "rename", message: "cannot move the clone out of the way: \(reason)")
        }
        CacheLock.removeAbandonedClones(of: target)
    }

    /// True when `url` has been cloned into `cacheDirectory` by an earlier run.
    public static func hasCachedClone(url: String, cacheDirectory: String) -> Bool {
        FileManager.default.fileExists(atPath: cachePath(RemoteLocation(url), cacheDirectory))
    }

    /// Opens the clone an earlier run made of `url`, as it is, without fetching: the
    /// fallback when the remote cannot be reached. Takes no lock: a fetch running
    /// meanwhile only adds objects and moves refs atomically.
    public static func openCachedClone(url: String, cacheDirectory: String) throws(GitError) -> GitRepository {
        LibGit2.ensureInitialized()
        let handle = try openHandle(cachePath(RemoteLocation(url), cacheDirectory))
        return GitRepository(handle, isCachedClone: true)
    }

    /// When this cached clone last cloned or fetched successfully; nil for other repositories.
    public var lastFetched: Date? { isCachedClone ? FetchStamp.read(in: path) : nil }

    private static func cachePath(_ location: RemoteLocation, _ cacheDirectory: String) -> String {
        (cacheDirectory as NSString).appendingPathComponent(location.cacheName)
    }

    /// Clones into a scratch directory beside `target` and renames it into place, so an
    /// interrupted clone never leaves a half-made repository where the next run looks.
    private static func clone(session: RemoteSession, into target: String) throws(GitError) -> GitHandle {
        let scratch = CacheLock.scratchName(for: target)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var options = git_clone_options()
        git_clone_options_init(&options, UInt32(GIT_CLONE_OPTIONS_VERSION))
        options.bare = 1
        options.fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL
        session.install(into: &options.fetch_opts.callbacks)
        _ = try GitHandle.make("git_clone", free: git_repository_free, classify: session.classify) {
            git_clone(&$0, session.location.url, scratch, &options)
        }
        guard rename(scratch, target) == 0 else {
            let reason = String(cString: strerror(errno))
            throw .libgit2(call: "rename", message: "cannot move the clone to '\(target)': \(reason)")
        }
        return try openHandle(target)
    }

    private static func fetch(_ remote: GitHandle, session: RemoteSession) throws(GitError) {
        try check("git_remote_set_instance_url", git_remote_set_instance_url(remote.pointer, session.location.url))
        var options = git_fetch_options()
        git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
        options.prune = GIT_FETCH_PRUNE
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL
        session.install(into: &options.callbacks)
        try check(
            "git_remote_fetch", git_remote_fetch(remote.pointer, nil, &options, "reconcile: fetch"),
            classify: session.classify)
    }

    // MARK: Reading

    /// Resolves a ref to a commit: branch, tag (annotated tags peeled), `origin/main`, full or
    /// short sha, HEAD, HEAD~1 (git_revparse_single + peel to commit).
    /// In a cached clone a plain branch name means the remote's branch: try `origin/<ref>`
    /// first, so `main` follows the latest fetch.
    public func resolve(_ ref: String) throws(GitError) -> GitObjectID {
        try repository.withLock { repository throws(GitError) -> GitObjectID in
            let spec = isCachedClone ? remoteTrackingSpec(ref, in: repository) ?? ref : ref
            let unknown: (LibGit2Failure) -> GitError = { .unknownRef(ref: ref, message: $0.message) }
            let object = try GitHandle.make("git_revparse_single", free: git_object_free, classify: unknown) {
                git_revparse_single(&$0, repository.pointer, spec)
            }
            let commit = try GitHandle.make("git_object_peel", free: git_object_free, classify: unknown) {
                git_object_peel(&$0, object.pointer, GIT_OBJECT_COMMIT)
            }
            return GitObjectID(git_object_id(commit.pointer).pointee)
        }
    }

    /// `refs/remotes/origin/<name><suffix>` when `ref` starts with a name the remote has a
    /// branch for (`main`, `main~1`, and `HEAD`, the remote's default branch).
    private func remoteTrackingSpec(_ ref: String, in repository: GitHandle) -> String? {
        let nameEnd = ref.firstIndex { "~^@:".contains($0) } ?? ref.endIndex
        let name = ref[..<nameEnd]
        guard !name.isEmpty else { return nil }
        let tracking = "refs/remotes/origin/\(name)"
        var oid = git_oid()
        guard git_reference_name_to_id(&oid, repository.pointer, tracking) == 0 else { return nil }
        return tracking + ref[nameEnd...]
    }

    /// The bytes of the blob at `path` (repo-relative, "manifests/prod.yaml") in `commit`'s
    /// tree; never touches the work tree.
    public func readFile(_ path: String, at commit: GitObjectID) throws(GitError) -> Data {
        let path = Self.normalised(path)
        return try repository.withLock { repository throws(GitError) -> Data in
            let entry = try treeEntry(path, at: commit, in: repository)
            guard git_tree_entry_type(entry.pointer) == GIT_OBJECT_BLOB else {
                throw .noSuchPath(path: path, commit: commit.hex, message: "'\(path)' is a directory, not a file")
            }
            let blob = try GitHandle.make("git_blob_lookup", free: git_blob_free) {
                git_blob_lookup(&$0, repository.pointer, git_tree_entry_id(entry.pointer))
            }
            let size = Int(git_blob_rawsize(blob.pointer))
            guard size > 0, let bytes = git_blob_rawcontent(blob.pointer) else { return Data() }
            return Data(bytes: bytes, count: size)
        }
    }

    /// Repo-relative paths of the blobs directly inside `directory` at `commit`, sorted;
    /// noSuchPath if the directory is absent. `""` or `"."` lists the root.
    public func listFiles(in directory: String, at commit: GitObjectID) throws(GitError) -> [String] {
        let directory = Self.normalised(directory)
        return try repository.withLock { repository throws(GitError) -> [String] in
            let tree: GitHandle
            if directory.isEmpty {
                tree = try rootTree(at: commit, in: repository)
            } else {
                let entry = try treeEntry(directory, at: commit, in: repository)
                guard git_tree_entry_type(entry.pointer) == GIT_OBJECT_TREE else {
                    throw .noSuchPath(
                        path: directory, commit: commit.hex, message: "'\(directory)' is a file, not a directory")
                }
                tree = try GitHandle.make("git_tree_lookup", free: git_tree_free) {
                    git_tree_lookup(&$0, repository.pointer, git_tree_entry_id(entry.pointer))
                }
            }
            let prefix = directory.isEmpty ? "" : directory + "/"
            var files: [String] = []
            for index in 0..<git_tree_entrycount(tree.pointer) {
                // Borrowed from the tree: not ours to free.
                guard let entry = git_tree_entry_byindex(tree.pointer, index),
                    git_tree_entry_type(entry) == GIT_OBJECT_BLOB,
                    let name = String(libgit2: git_tree_entry_name(entry))
                else { continue }
                files.append(prefix + name)
            }
            return files.sorted()
        }
    }

    private func rootTree(at commit: GitObjectID, in repository: GitHandle) throws(GitError) -> GitHandle {
        var oid = commit.oid
        let object = try GitHandle.make(
            "git_commit_lookup", free: git_commit_free,
            classify: {
                .unknownRef(ref: commit.hex, message: $0.message)
            }
        ) { git_commit_lookup(&$0, repository.pointer, &oid) }
        return try GitHandle.make("git_commit_tree", free: git_tree_free) { git_commit_tree(&$0, object.pointer) }
    }

    private func treeEntry(_ path: String, at commit: GitObjectID, in repository: GitHandle) throws(GitError) -> GitHandle {
        let tree = try rootTree(at: commit, in: repository)
        return try GitHandle.make(
            "git_tree_entry_bypath", free: git_tree_entry_free,
            classify: { failure in
                failure.isNotFound || path.isEmpty
                    ? .noSuchPath(path: path, commit: commit.hex, message: failure.message) : failure.generic
            }
        ) { git_tree_entry_bypath(&$0, tree.pointer, path) }
    }

    /// Runs `body` with the repository handle, under the lock every libgit2 call takes.
    func withHandle<T: Sendable>(_ body: (GitHandle) throws(GitError) -> T) throws(GitError) -> T {
        try repository.withLock { repository throws(GitError) -> T in try body(repository) }
    }

    /// Repo-relative form: no leading `./` or `/`, no trailing `/`.
    private static func normalised(_ path: String) -> String {
        var result = Substring(path)
        while result.hasPrefix("./") { result = result.dropFirst(2) }
        while result.hasPrefix("/") { result = result.dropFirst() }
        while result.hasSuffix("/") { result = result.dropLast() }
        return result == "." ? "" : String(result)
    }
}
