import CLibGit2

/// libgit2's process-wide state: initialised exactly once, on first use, and never shut
/// down (shutting down under a concurrent user would pull the library out from under it).
enum LibGit2 {
    private static let initialization: Int32 = git_libgit2_init()

    static func ensureInitialized() {
        _ = initialization
    }
}

/// Owns one libgit2 object (repository, object, tree entry, remote, …) and frees it with
/// its matching `git_*_free` exactly once, when the last Swift reference goes away, so no
/// path through the wrapper leaks a handle or frees one twice.
final class GitHandle {
    typealias Free = (OpaquePointer?) -> Void

    let pointer: OpaquePointer
    private let free: Free

    /// Takes ownership of `pointer`, which `free` releases.
    init(owning pointer: OpaquePointer, free: @escaping Free) {
        self.pointer = pointer
        self.free = free
    }

    deinit { free(pointer) }

    /// Runs the C constructor `call`, which fills its out-parameter, and takes ownership of
    /// the result. On failure `classify` turns libgit2's error into the caller's `GitError`.
    static func make(
        _ call: String, free: @escaping Free,
        classify: (LibGit2Failure) -> GitError = { $0.generic },
        _ body: (inout OpaquePointer?) -> Int32
    ) throws(GitError) -> GitHandle {
        var out: OpaquePointer?
        try check(call, body(&out), classify: classify)
        guard let out else { throw .libgit2(call: call, message: "returned success but no object") }
        return GitHandle(owning: out, free: free)
    }
}

/// A libgit2 failure as read from `git_error_last()` right after the failing call, before
/// any other call can overwrite it.
struct LibGit2Failure {
    let call: String
    let code: Int32
    let message: String

    init(call: String, code: Int32) {
        self.call = call
        self.code = code
        if let last = git_error_last(), let text = last.pointee.message {
            message = String(cString: text)
        } else {
            message = "error \(code)"
        }
    }

    var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }

    /// The catch-all case naming the failed call.
    var generic: GitError { .libgit2(call: call, message: message) }
}

/// Throws when `code` (a libgit2 return value) reports a failure.
func check(
    _ call: String, _ code: Int32, classify: (LibGit2Failure) -> GitError = { $0.generic }
) throws(GitError) {
    guard code < 0 else { return }
    throw classify(LibGit2Failure(call: call, code: code))
}

extension String {
    /// A C string libgit2 returned that may be NULL.
    init?(libgit2 pointer: UnsafePointer<CChar>?) {
        guard let pointer else { return nil }
        self.init(cString: pointer)
    }
}

/// The libgit2 this process runs with (the shared library the loader found, which can be
/// newer than the headers reconcile was built with): what `reconcile --version` reports.
public enum LibGit2Runtime {
    /// "major.minor.revision", e.g. "1.5.1".
    public static var version: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        guard git_libgit2_version(&major, &minor, &revision) == 0 else { return "unknown" }
        return "\(major).\(minor).\(revision)"
    }
}
