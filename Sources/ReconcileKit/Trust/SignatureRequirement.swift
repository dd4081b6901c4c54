import Foundation

/// The keys a commit's signature may be made with: SSH `allowed_signers` files (git's
/// format: `principal key-type base64-key`) and GPG keyrings (`gpg --export KEYID >
/// FILE`, or a keybox). The signature's own kind picks which of them judge it.
public struct TrustedKeys: Sendable, Hashable {
    public var allowedSigners: [String]
    public var gpgKeyrings: [String]

    public init(allowedSigners: [String] = [], gpgKeyrings: [String] = []) {
        self.allowedSigners = allowedSigners
        self.gpgKeyrings = gpgKeyrings
    }

    public var isEmpty: Bool { allowedSigners.isEmpty && gpgKeyrings.isEmpty }

    /// Every file, for messages.
    var files: [String] { allowedSigners + gpgKeyrings }
}

/// Why a commit must be verified and with which keys: `--require-signed`, or a
/// manifest's `trust.require_signed`. Made by ``SignatureRequirement/resolve(flag:keys:manifests:)``,
/// the one place that decides what the command line and the manifests together ask.
public struct SignatureRequirement: Sendable, Hashable {
    public var keys: TrustedKeys
    /// Who asked, for messages: `--require-signed`, or `trust.require_signed at FILE:LINE:COL`.
    public var demandedBy: String
    /// True when the key files come from a manifest (read from the commit being
    /// verified): they must then lie outside the repository.
    public var keysFromManifest: Bool

    public init(keys: TrustedKeys, demandedBy: String, keysFromManifest: Bool = false) {
        self.keys = keys
        self.demandedBy = demandedBy
        self.keysFromManifest = keysFromManifest
    }

    /// The demand from the command line: `--require-signed` needs its keys there, because
    /// it is checked before any manifest is read.
    public static func commandLine(keys: TrustedKeys) -> SignatureRequirement {
        SignatureRequirement(keys: keys, demandedBy: "--require-signed")
    }

    /// What `manifests` (all read from one commit) demand, or nil when none does. The
    /// keys: those of the command line when it names any (the operator's, on the host),
    /// else every file the demanding manifests name. A manifest can only add the
    /// requirement: nothing here weakens one the command line made.
    /// - Throws: ``SignatureRefusal/noKeys`` when a manifest demands a signature and
    ///   nobody names a key.
    public static func demanded(by manifests: [Manifest], commandLineKeys: TrustedKeys) throws(SignatureRefusal)
        -> SignatureRequirement?
    {
        let demands = manifests.compactMap(\.trust).filter(\.requireSigned)
        guard let first = demands.first else { return nil }
        let demandedBy = "trust.require_signed at \(first.position)"
        var keys = commandLineKeys
        if keys.isEmpty {
            for demand in demands {
                keys.allowedSigners += demand.keys.allowedSigners.filter { !keys.allowedSigners.contains($0) }
                keys.gpgKeyrings += demand.keys.gpgKeyrings.filter { !keys.gpgKeyrings.contains($0) }
            }
        }
        guard !keys.isEmpty else { throw .noKeys(demandedBy: demandedBy) }
        return SignatureRequirement(keys: keys, demandedBy: demandedBy, keysFromManifest: commandLineKeys.isEmpty)
    }
}
