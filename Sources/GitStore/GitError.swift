/// What went wrong in a git operation, sorted into the cases a caller reacts to
/// differently (wrong --repo, wrong --ref, manifest missing at that commit, credentials),
/// each carrying libgit2's own message so the user sees the real cause.
public enum GitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path is not (inside) a git repository, or does not exist.
    case notARepository(path: String, message: String)
    /// A branch, tag, sha or rev expression that names no commit here.
    case unknownRef(ref: String, message: String)
    /// `path` does not name a file (or, for listings, a directory) in `commit`'s tree;
    /// `commit` is the full hex id.
    case noSuchPath(path: String, commit: String, message: String)
    /// The remote refused us, or we had no credentials it would take. `url` never carries
    /// a password.
    case authenticationFailed(url: String, message: String)
    /// Any other libgit2 failure; `call` names the C function that failed.
    case libgit2(call: String, message: String)
    /// The cached clone at `path` was broken (`reason`) and cloning it again failed too
    /// (`cloneFailure`): neither the remote nor the ref is to blame for what the run saw.
    case unusableCache(path: String, reason: String, cloneFailure: String)

    public var description: String {
        switch self {
        case .notARepository(let path, let message):
            return "'\(path)' is not a git repository: \(message)"
        case .unknownRef(let ref, let message):
            return "unknown ref '\(ref)': \(message)"
        case .noSuchPath(let path, let commit, let message):
            return "no '\(path)' at commit \(commit.prefix(12)): \(message)"
        case .authenticationFailed(let url, let message):
            return "authentication failed for '\(url)': \(message)"
        case .libgit2(let call, let message):
            return "\(call) failed: \(message)"
        case .unusableCache(let path, let reason, let cloneFailure):
            return "the cached clone at \(path) was unusable (\(reason)) and cloning again failed: \(cloneFailure)"
        }
    }
}
