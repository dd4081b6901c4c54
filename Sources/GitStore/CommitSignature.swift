import CLibGit2
import Foundation

/// A commit's signature (its `gpgsig` header: an SSH or OpenPGP armored block) and the
/// exact bytes it signs (the commit object without that header), as git itself hands them
/// to `ssh-keygen -Y verify` and `gpg --verify`. Read with `git_commit_extract_signature`,
/// so what is verified is byte for byte the object whose tree reconcile reads.
public struct CommitSignature: Sendable, Hashable {
    /// The armored signature (`-----BEGIN SSH SIGNATURE-----` or `-----BEGIN PGP SIGNATURE-----`).
    public let signature: Data
    /// The signed payload: the commit object without its `gpgsig` header.
    public let payload: Data
}

extension GitRepository {
    /// The signature `commit` carries, or nil when it carries none.
    public func signature(of commit: GitObjectID) throws(GitError) -> CommitSignature? {
        try withHandle { repository throws(GitError) -> CommitSignature? in
            var signature = git_buf()
            var payload = git_buf()
            defer {
                git_buf_dispose(&signature)
                git_buf_dispose(&payload)
            }
            var oid = commit.oid
            let code = git_commit_extract_signature(&signature, &payload, repository.pointer, &oid, nil)
            if code == GIT_ENOTFOUND.rawValue {
                // Unsigned, or no such commit: tell them apart by looking the commit up.
                let lookup = try GitHandle.make(
                    "git_commit_lookup", free: git_commit_free,
                    classify: { .unknownRef(ref: commit.hex, message: $0.message) }
                ) { git_commit_lookup(&$0, repository.pointer, &oid) }
                withExtendedLifetime(lookup) {}
                return nil
            }
            try check("git_commit_extract_signature", code)
            return CommitSignature(signature: Data(buffer: signature), payload: Data(buffer: payload))
        }
    }
}

extension Data {
    fileprivate init(buffer: git_buf) {
        guard let bytes = buffer.ptr, buffer.size > 0 else {
            self.init()
            return
        }
        self.init(bytes: bytes, count: Int(buffer.size))
    }
}
