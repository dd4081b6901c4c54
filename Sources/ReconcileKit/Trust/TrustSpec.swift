/// The manifest's `trust:` section: the desired state asks to be read only from a commit
/// signed by an allowed key, so a cron line or a unit that forgets `--require-signed`
/// still refuses an unsigned commit.
///
/// ```yaml
/// trust:
///   require_signed: true
///   allowed_signers: /etc/reconcile/allowed_signers   # SSH (git's format), or
///   gpg_keyring: /etc/reconcile/keyring.gpg           # OpenPGP (gpg --export)
/// ```
///
/// Why it can only add the requirement: the section is read from the very commit it
/// would vouch for, so nothing in it can weaken a check (`require_signed: false` turns
/// off nothing the command line asked for), and the keys are files on the host, by
/// absolute path, never files of the repository (a key in the same unverified commit
/// would vouch for itself). The host's keys (`--allowed-signers`, `--gpg-keyring`, the
/// operator config's `trust:`) win over these paths.
///
/// The operator config (`/etc/reconcile/config.yaml`) takes the same section: there it
/// is the host's demand, checked before any manifest is read, like the flag.
public struct TrustSpec: Sendable, Hashable {
    public static let key = "trust"
    public static let summary =
        "Read this desired state only from a commit signed by an allowed key (adds to --require-signed; never removes it)."
    public static let shape = ManifestShape.object(object)
    static let object = ManifestObject([
        .required(
            "require_signed", .boolean,
            "true: every command refuses a commit that is not signed by an allowed key, before anything acts (exit 1)."),
        .optional(
            "allowed_signers", .string(.absolutePath),
            "A host file in git's allowed_signers format (SSH keys), outside the repository; --allowed-signers wins."),
        .optional(
            "gpg_keyring", .string(.absolutePath),
            "A host GPG keyring file (gpg --export), outside the repository; --gpg-keyring wins."),
    ])

    /// True when the manifest demands a signed commit.
    public var requireSigned: Bool
    /// The keys the manifest names (host files); empty when the command line must give them.
    public var keys: TrustedKeys
    /// Where `require_signed` is written, for the messages that cite the demand.
    public var position: SourcePosition

    public init(requireSigned: Bool, keys: TrustedKeys = TrustedKeys(), position: SourcePosition) {
        self.requireSigned = requireSigned
        self.keys = keys
        self.position = position
    }

    init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        let demand = try map.required("require_signed")
        position = demand.position
        requireSigned = try demand.bool()
        keys = TrustedKeys(
            allowedSigners: try map.optional("allowed_signers").map { [try $0.string()] } ?? [],
            gpgKeyrings: try map.optional("gpg_keyring").map { [try $0.string()] } ?? [])
        if !requireSigned && !keys.isEmpty {
            throw node.error("allowed_signers and gpg_keyring name the keys of require_signed: true; set it, or remove them")
        }
    }
}
