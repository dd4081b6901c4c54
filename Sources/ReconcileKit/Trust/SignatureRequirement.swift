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

/// Why a commit must be verified and with which keys: `--require-signed`, the operator
/// config's `trust:`, or a manifest's `trust.require_signed`. Made by
/// ``host(flag:commandLineKeys:config:)`` and ``demanded(by:commandLineKeys:config:)``,
/// the one place that decides what the host and the manifests together ask.
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

    /// The host's demand, checked before any manifest is read: `--require-signed`, or the
    /// operator config's `trust: {require_signed: true}`. Its keys are the host's:
    /// `--allowed-signers` / `--gpg-keyring`, else the operator config's. nil: the host
    /// demands nothing (a manifest still may).
    /// - Throws: ``SignatureRefusal/noKeys`` when the host demands a signature and names no key.
    public static func host(flag: Bool, commandLineKeys: TrustedKeys, config: OperatorConfig) throws(SignatureRefusal)
        -> SignatureRequirement?
    {
        let keys = hostKeys(commandLineKeys, config)
        let demandedBy: String
        if flag {
            demandedBy = "--require-signed"
        } else if let trust = config.trust, trust.requireSigned {
            demandedBy = "trust.require_signed in \(config.origin) (\(trust.position))"
        } else {
            return nil
        }
        guard !keys.isEmpty else { throw .noKeys(demandedBy: demandedBy) }
        return SignatureRequirement(keys: keys, demandedBy: demandedBy)
    }

    /// The keys the host names: the command line's when it names any, else the operator config's.
    static func hostKeys(_ commandLineKeys: TrustedKeys, _ config: OperatorConfig) -> TrustedKeys {
        commandLineKeys.isEmpty ? config.trust?.keys ?? TrustedKeys() : commandLineKeys
    }

    /// What `manifests` (all read from one commit) demand, or nil when none does. The
    /// keys: the host's when it names any (``hostKeys(_:_:)``), else every file the
    /// demanding manifests name. A manifest can only add the requirement: nothing here
    /// weakens one the host made.
    /// - Throws: ``SignatureRefusal/noKeys`` when a manifest demands a signature and
    ///   nobody names a key.
    public static func demanded(
        by manifests: [Manifest], commandLineKeys: TrustedKeys, config: OperatorConfig = .defaults
    ) throws(SignatureRefusal) -> SignatureRequirement? {
        let demands = manifests.compactMap(\.trust).filter(\.requireSigned)
        guard let first = demands.first else { return nil }
        let demandedBy = "trust.require_signed at \(first.position)"
        var keys = hostKeys(commandLineKeys, config)
        let fromManifest = keys.isEmpty
        if fromManifest {
            for demand in demands {
                keys.allowedSigners += demand.keys.allowedSigners.filter { !keys.allowedSigners.contains($0) }
                keys.gpgKeyrings += demand.keys.gpgKeyrings.filter { !keys.gpgKeyrings.contains($0) }
            }
        }
        guard !keys.isEmpty else { throw .noKeys(demandedBy: demandedBy) }
        return SignatureRequirement(keys: keys, demandedBy: demandedBy, keysFromManifest: fromManifest)
    }
}
