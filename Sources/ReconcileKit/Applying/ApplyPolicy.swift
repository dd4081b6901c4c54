/// The manifest's `apply:` section: what a run without `--dry-run` may change. Without
/// it a manifest is report-only, so existing manifests never start changing things
/// because reconcile learned to.
///
/// ```yaml
/// apply:
///   caddy: true                                          # fix routes in the running Caddy
///   docker: [start, restart_policy, volumes, recreate]   # any subset
///   verify: [health, media]                              # checkers that gate an apply
///   rollback: true
/// ```
public struct ApplyPolicy: Sendable, Hashable {
    /// The Docker repairs a manifest can allow, in the words of `apply.docker`.
    public enum DockerAction: String, Sendable, Hashable, CaseIterable {
        case start
        case restartPolicy = "restart_policy"
        case volumes
        case recreate
    }

    public static let key = "apply"
    public static let summary = "What a run without --dry-run may change; without it a manifest is report-only."
    public static let shape = ManifestShape.object(object)
    static let object = ManifestObject([
        .optional("caddy", .boolean, "Fix routes in the running Caddy through its admin API (or load caddy.caddyfile)."),
        .optional(
            "docker", .list(.string(.choice(of: DockerAction.self))),
            "The Docker repairs allowed: start, restart_policy, volumes, recreate (any subset)."),
        .optional(
            "verify", .list(.string(.nonEmpty)),
            "Checkers that gate an apply (default [health]): one that was ok before and is not after undoes it."),
        .optional("rollback", .boolean, "Undo the applied actions when verification fails (default true)."),
    ])
    /// Checkers that gate an apply when `verify` is not given.
    public static let defaultVerify = ["health"]

    /// Every permission an action can need, as ``refusal(of:)``, a report action's `kind`
    /// and the operator config's `apply:` spell them.
    public static let permissions = ["caddy"] + DockerAction.allCases.map { "docker.\($0.rawValue)" }

    public var caddy: Bool
    public var docker: Set<DockerAction>
    /// The host's operator config, whose `apply:` caps what this policy grants (its
    /// ``OperatorConfig/decide(_:)`` answers for each permission); set by ``limited(by:)``.
    public var host: OperatorConfig?
    /// Checker identifiers: if one was ok before and is not after, the apply is undone.
    public var verify: [String]
    public var rollback: Bool
    public var position: SourcePosition

    public init(
        caddy: Bool = false, docker: Set<DockerAction> = [], verify: [String] = defaultVerify, rollback: Bool = true,
        position: SourcePosition = SourcePosition(file: "-", line: 1, column: 1)
    ) {
        self.caddy = caddy
        self.docker = docker
        self.verify = verify
        self.rollback = rollback
        self.position = position
    }

    /// Decodes the section; `checkers` are the identifiers `verify` may name.
    public init(from node: ManifestNode, checkers: [String]) throws {
        let map = try node.mapping(Self.object)
        position = node.position
        caddy = try map.optional("caddy")?.bool() ?? false
        docker = []
        if let dockerNode = map.optional("docker") {
            for item in try dockerNode.list() {
                let action = try item.choice(DockerAction.self)
                guard docker.insert(action).inserted else { throw item.error("'\(action.rawValue)' is listed twice") }
            }
        }
        if let verifyNode = map.optional("verify") {
            verify = []
            for item in try verifyNode.list() {
                let name = try item.nonEmptyString()
                guard checkers.contains(name) else {
                    throw item.error(
                        "unknown checker '\(name)'" + Suggestions.didYouMean(name, among: checkers)
                            + " (known: \(checkers.joined(separator: ", ")))")
                }
                if !verify.contains(name) { verify.append(name) }
            }
        } else {
            verify = Self.defaultVerify
        }
        rollback = try map.optional("rollback")?.bool() ?? true
    }

    /// This policy within what the host lets any manifest grant (the operator config's
    /// `apply:`): the manifest may ask for less, never for more.
    public func limited(by config: OperatorConfig) -> ApplyPolicy {
        var limited = self
        limited.host = config
        return limited
    }

    /// The permissions this section grants (``permissions``' names), for the host to
    /// decide each: `reconcile validate` lists them when the operator config sets `apply:`.
    public var granted: [String] {
        Self.permissions.filter { manifestRefusal(of: $0) == nil }
    }

    /// nil when the policy, and the host above it, allow `permission` (`caddy`,
    /// `docker.start`, …); otherwise why not, naming the key to change.
    public func refusal(of permission: String) -> String? {
        if let refusal = manifestRefusal(of: permission) { return refusal }
        if case .refused(let reason) = host?.decide(.applyPermission(permission)) { return reason }
        return nil
    }

    private func manifestRefusal(of permission: String) -> String? {
        if permission == "caddy" {
            return caddy ? nil : "apply.caddy is not true"
        }
        if permission.hasPrefix("docker.") {
            let name = String(permission.dropFirst("docker.".count))
            guard let action = DockerAction(rawValue: name) else { return "unknown permission \(permission)" }
            return docker.contains(action) ? nil : "apply.docker does not list \(name)"
        }
        return "no apply: key allows \(permission)"
    }
}
