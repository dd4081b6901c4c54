/// Why a commit's desired state is refused: nobody signed it, a key nobody allowed signed
/// it, its signature does not match its content, or it could not be checked at all.
/// Every case ends the command with exit 1 before anything acts. Signer names come from
/// the commit (a GPG user id is anyone's text): printing goes through ``UntrustedText``.
public struct SignatureRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// The desired state is read from a working tree, which has no signature.
        case notACommit
        /// The commit carries no signature.
        case unsigned
        /// A manifest demands a signature and no key file is named anywhere.
        case noKeys
        /// Signed, by a key none of the key files allows; `signer` is what the verifier
        /// reports (a key's type and fingerprint, a GPG key id).
        case unknownKey(signer: String)
        /// Signed by `signer`, but the signature does not verify over the commit's content
        /// (the commit was changed after signing, or the key expired or was revoked).
        case badSignature(signer: String, detail: String)
        /// The verifier could not run or answer (missing, timed out, unreadable keys).
        case unverifiable(String)
    }

    public var reason: Reason
    /// `3f2a9c1d0b7e (origin/main)`; nil for ``Reason/notACommit`` and ``Reason/noKeys``.
    public var commit: String?
    /// Who asked for the check: `--require-signed`, or the manifest's `trust.require_signed at FILE:LINE:COL`.
    public var demandedBy: String
    /// The key files that were asked, for messages.
    public var keyFiles: [String]

    public init(_ reason: Reason, commit: String?, demandedBy: String, keyFiles: [String] = []) {
        self.reason = reason
        self.commit = commit
        self.demandedBy = demandedBy
        self.keyFiles = keyFiles
    }

    static func noKeys(demandedBy: String) -> SignatureRefusal {
        SignatureRefusal(.noKeys, commit: nil, demandedBy: demandedBy)
    }

    public var description: String {
        let subject = commit.map { "commit \($0)" } ?? "the desired state"
        let allowed = keyFiles.isEmpty ? "" : " (allowed keys: \(keyFiles.joined(separator: ", ")))"
        switch reason {
        case .notACommit:
            return "\(demandedBy) verifies a commit's signature, and a working tree has none: commit and sign the "
                + "change, or drop --worktree"
        case .unsigned:
            return "refusing \(subject): nobody signed it; \(demandedBy) accepts only a commit signed by an allowed key"
                + allowed
        case .noKeys:
            return "\(demandedBy) demands a signed commit, but no key is named: give --allowed-signers FILE "
                + "or --gpg-keyring FILE, or name them under trust: in the operator config"
        case .unknownKey(let signer):
            return "refusing \(subject): signed by \(signer), which is not an allowed key; \(demandedBy) accepts "
                + "only a commit signed by an allowed key" + allowed
        case .badSignature(let signer, let detail):
            return "refusing \(subject): its signature by \(signer) does not verify (\(detail)); the commit is not "
                + "what was signed, or the key is no longer valid"
        case .unverifiable(let detail):
            return "refusing \(subject): its signature could not be checked (\(detail)); \(demandedBy) accepts only a "
                + "verified commit"
        }
    }
}
