import Foundation

/// What the operator of this host lets manifests make reconcile execute or read: the
/// host-side half of the trust boundary (`/etc/reconcile/config.yaml`, `--config`).
///
/// Why it exists: a manifest is data written by whoever can push to the config
/// repository, and reconcile runs it as root from cron. The interpreters it may run,
/// the containers it may exec into, the variables and files a token may come from and
/// the environment keys a runner may pass are therefore decided here, on the host,
/// never by the manifest. Without a file the defaults below apply; a key the file
/// leaves out keeps its default, and an empty list allows nothing.
///
/// ```yaml
/// interpreters: [/srv/rims/venv/bin/python]   # default: any absolute path
/// containers: [backend]                        # default: any container
/// token_env: ["RECONCILE_*"]                   # default: RECONCILE_*
/// token_dirs: [/etc/reconcile]                 # default: /etc/reconcile
/// runner_env: ["DJANGO_*"]                     # default: DJANGO_*
/// trust: { require_signed: true, allowed_signers: /etc/reconcile/allowed_signers }   # default: none
/// plugins: [tls-expiry]                        # default: none (manifests' external checkers)
/// caddyfile_writes: [/etc/caddy/Caddyfile]     # default: /etc/caddy/Caddyfile
/// apply: [caddy, docker.start]                 # default: whatever a manifest's apply: grants
/// ```
/// A name ending in `*` matches every name with that prefix.
public struct OperatorConfig: Sendable, Hashable {
    /// Where reconcile looks when `--config` is not given; a missing file there means
    /// the defaults.
    public static let defaultPath = "/etc/reconcile/config.yaml"

    /// The file it was read from; nil for the built-in defaults.
    public var file: String?
    /// Interpreters a local runner may start, as absolute paths; nil means any absolute path.
    public var interpreters: [String]?
    /// Containers a runner may exec into; nil means any.
    public var containers: [String]?
    /// Environment variables a bearer token may be read from (names or `PREFIX*`).
    public var tokenVariables: [String]
    /// Directories a bearer token file may be in (symbolic links resolved first).
    public var tokenDirectories: [String]
    /// Keys of a runner's manifest `env` passed to the child (names or `PREFIX*`); the
    /// keys in ``ChildEnvironment/forbidden`` never are.
    public var runnerEnvironment: [String]
    /// The host's own `trust:` demand (``TrustSpec``): every commit must be signed by an
    /// allowed key, as with `--require-signed`, without the flag in every cron line and
    /// whatever the manifests at the commit say. nil: no demand.
    public var trust: TrustSpec?

    /// External checkers a manifest's `plugins:` may run (names or `PREFIX*`); none by
    /// default: each runs a program the manifest chooses (`--plugin-dir`'s always run).
    public var plugins: [String]

    /// Paths an apply may write a Caddyfile to (`caddy.write_caddyfile`): the file's text
    /// is the manifest authors', so only the file Caddy starts from, never any path.
    public var caddyfileWrites: [String]

    /// The apply permissions (``ApplyPolicy/permissions``) a manifest's `apply:` may grant
    /// on this host; nil means any. A recreate runs an image with the mounts and
    /// environment the manifest says, so a host can keep that, or all of apply, to itself.
    public var apply: [String]?

    public init(
        file: String? = nil, interpreters: [String]? = nil, containers: [String]? = nil,
        tokenVariables: [String] = ["RECONCILE_*"], tokenDirectories: [String] = ["/etc/reconcile"],
        runnerEnvironment: [String] = ["DJANGO_*"], plugins: [String] = [],
        caddyfileWrites: [String] = ["/etc/caddy/Caddyfile"]
    ) {
        self.file = file
        self.interpreters = interpreters
        self.containers = containers
        self.tokenVariables = tokenVariables
        self.tokenDirectories = tokenDirectories
        self.runnerEnvironment = runnerEnvironment
        self.plugins = plugins
        self.caddyfileWrites = caddyfileWrites
    }

    /// The built-in defaults, used when there is no config file.
    public static let defaults = OperatorConfig()

    /// Reads `path`; with `required` false (no `--config` given) a missing file is the
    /// defaults. Errors name file:line:col and the key.
    public static func load(_ path: String, required: Bool) throws(ManifestErrors) -> OperatorConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !required && !FileManager.default.fileExists(atPath: path) { return .defaults }
            throw .file(path, "cannot read the operator config")
        }
        return try decode(String(decoding: data, as: UTF8.self), file: path)
    }

    /// The config file's keys, declared like a manifest section's.
    static let object = ManifestObject([
        .optional(
            "interpreters", .list(.string(.absolutePath)),
            "Interpreters a Django local runner may start (default: any absolute path)."),
        .optional("containers", .list(.string(.nonEmpty)), "Containers a runner may exec into (default: any)."),
        .optional(
            "token_env", .list(.string(.nonEmpty)),
            "Variables a bearer token may come from, NAME or PREFIX* (default: RECONCILE_*)."),
        .optional(
            "token_dirs", .list(.string(.absolutePath)),
            "Directories a bearer token file may be in (default: /etc/reconcile)."),
        .optional(
            "runner_env", .list(.string(.nonEmpty)),
            "Keys of a runner's manifest env passed to the child, NAME or PREFIX* (default: DJANGO_*)."),
        .optional(
            TrustSpec.key, TrustSpec.shape,
            "Verified desired state on this host: require_signed and its keys, as --require-signed (default: none)."),
        .optional(
            "plugins", .list(.string(.nonEmpty)),
            "External checkers a manifest's plugins: may run, NAME or PREFIX* (default: none; --plugin-dir's always run)."),
        .optional(
            "caddyfile_writes", .list(.string(.absolutePath)),
            "Paths an apply may write caddy.write_caddyfile to (default: /etc/caddy/Caddyfile)."),
        .optional(
            ApplyPolicy.key, .list(.string(.choice(ApplyPolicy.permissions))),
            "The apply permissions a manifest's apply: may grant here: caddy, docker.start, docker.restart_policy, "
                + "docker.volumes, docker.recreate (default: whatever it grants)."),
    ])

    /// Decodes a config's text (named `file` in errors).
    public static func decode(_ text: String, file: String) throws(ManifestErrors) -> OperatorConfig {
        let document = try YAMLDocument.parse(text, file: file)
        var config = OperatorConfig(file: file)
        guard let root = document.root else { return config }
        var errors: [ManifestError] = []
        do {
            let map = try root.mapping(object)
            config.interpreters = try map.optional("interpreters")?.stringList()
            config.containers = try map.optional("containers")?.stringList()
            config.tokenVariables = try map.optional("token_env")?.stringList() ?? config.tokenVariables
            config.tokenDirectories = try map.optional("token_dirs")?.stringList() ?? config.tokenDirectories
            config.runnerEnvironment = try map.optional("runner_env")?.stringList() ?? config.runnerEnvironment
            config.trust = try map.optional(TrustSpec.key).map { try TrustSpec(from: $0) }
            config.plugins = try map.optional("plugins")?.stringList() ?? config.plugins
            config.caddyfileWrites = try map.optional("caddyfile_writes")?.stringList() ?? config.caddyfileWrites
            config.apply = try map.optional(ApplyPolicy.key)?.stringList()
        } catch let error as ManifestError {
            errors.append(error)
        } catch {
            errors.append(root.error("\(error)"))
        }
        errors += document.reportedErrors
        if !errors.isEmpty { throw ManifestErrors(errors) }
        return config
    }

    /// Where the rules come from, for messages.
    public var origin: String { file.map { "the operator config \($0)" } ?? "reconcile's defaults (no operator config)" }
    /// The file to edit, for messages.
    var fileToEdit: String { file ?? Self.defaultPath }
}
