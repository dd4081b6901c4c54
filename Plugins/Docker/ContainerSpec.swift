import ReconcileKit

/// One container that must exist. Only the fields given are compared.
public struct ContainerSpec: Sendable, Hashable, Codable {
    /// The container name (`docker ps` NAMES); with `compose_project`, also the compose
    /// service name it is found by when no container has this exact name.
    public var name: String
    public var state: ContainerState?
    public var image: String?
    public var restartPolicy: RestartPolicy?
    public var ports: [PortBinding]?
    public var mounts: [MountSpec]?
    /// Environment variable names that must be set, in the order written.
    public var environment: [String]?
    /// The values the manifest gives (`environment: {NAME: value}`), compared with the
    /// container's; empty when it lists names only. A value whose name looks secret
    /// (``SecretName``) is never shown.
    public var environmentValues: [String: String] = [:]
    public var composeProject: String?
    /// The compose service, when it differs from `name` (compose-derived specs).
    public var composeService: String?
    /// The container must have a health check (from a compose `healthcheck:`).
    public var expectsHealthcheck = false
    /// Fields deliberately not compared, with why (compose keys, unresolved variables);
    /// said in the finding so nobody mistakes "not compared" for "in sync".
    public var notes: [String] = []
    public var position = SourcePosition(file: "-", line: 1, column: 1)
    /// Where individual fields were written, for findings that point at the exact line.
    public var fieldPositions: [String: SourcePosition] = [:]

    static let object = ManifestObject([
        .required(
            "name",
            .string(
                .pattern(
                    "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
                    hint: "a valid container name (letters, digits, '_', '.', '-'; starting with a letter or digit)")),
            "The container name (docker ps NAMES)."),
        .optional(
            "state", .string(.choice(ContainerState.allCases.filter { $0 != .removing }.map(\.rawValue))),
            "The lifecycle state, in the engine's words."),
        .optional("image", .string(.nonEmpty), "The image reference the container runs."),
        .optional(
            "restart_policy",
            .string(
                .pattern(
                    "no|always|unless-stopped|on-failure(:[0-9]+)?",
                    hint: "a restart policy (no, always, unless-stopped, on-failure, on-failure:N)",
                    suggest: RestartPolicy.Name.allCases.map(\.rawValue))),
            "As docker run --restart spells it."),
        .optional("ports", .list(.string(.nonEmpty)), "Published ports: [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]."),
        .optional(
            "mounts", .list(.either([.string(.nonEmpty), .object(MountSpec.object)])),
            "VOLUME:TARGET[:ro], /HOST/PATH:TARGET[:ro], /TARGET (an anonymous volume), or { volume | source, target, read_only }."),
        .optional(
            "environment",
            .either([
                .list(.string(.pattern("[^=]+", hint: "a variable name (a list names variables; a mapping gives their values)"))),
                .dictionary(.scalar),
            ]),
            "Variable names that must be set (a list: values never read), or NAME: value pairs compared with the "
                + "container's (values of names with KEY, TOKEN, SECRET, PASS, API or SIGNATURE are never shown)."),
        .optional("compose_project", .string(.nonEmpty), "The compose project; the name is then also the service name."),
    ])
}

extension ContainerSpec {
    init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        position = node.position
        name = try map.required("name").string()
        if let stateNode = map.optional("state") {
            state = try stateNode.choice(ContainerState.self)
            fieldPositions["state"] = stateNode.position
        }
        if let imageNode = map.optional("image") {
            image = try imageNode.string()
            fieldPositions["image"] = imageNode.position
        }
        if let policyNode = map.optional("restart_policy") {
            guard let policy = RestartPolicy(parsing: try policyNode.string()) else {
                throw policyNode.error("not a restart policy") // the declared pattern admits only policies
            }
            restartPolicy = policy
            fieldPositions["restart_policy"] = policyNode.position
        }
        if let portsNode = map.optional("ports") {
            ports = try portsNode.list().flatMap { try PortBinding.parse(try $0.string(), at: $0) }
            fieldPositions["ports"] = portsNode.position
        }
        if let mountsNode = map.optional("mounts") {
            let parsed = try mountsNode.list().map { try MountSpec(from: $0) }
            var targets: Set<String> = []
            for mount in parsed where !targets.insert(mount.target).inserted {
                throw ManifestError(
                    position: mount.position ?? mountsNode.position, keyPath: mountsNode.keyPath,
                    message: "two mounts at target \(mount.target)")
            }
            mounts = parsed
            fieldPositions["mounts"] = mountsNode.position
        }
        if let environmentNode = map.optional("environment") {
            if environmentNode.isList {
                environment = try environmentNode.stringList()
            } else {
                let entries = try environmentNode.entries()
                for entry in entries {
                    guard !entry.key.isEmpty, !entry.key.contains("=") else {
                        throw entry.keyNode.error("'\(entry.key)' is not a variable name")
                    }
                    environmentValues[entry.key] = try entry.value.string()
                }
                environment = entries.map(\.key)
            }
            fieldPositions["environment"] = environmentNode.position
        }
        if let projectNode = map.optional("compose_project") {
            composeProject = try projectNode.string()
            fieldPositions["compose_project"] = projectNode.position
        }
    }

    /// The compose service this container is found by, when it belongs to a project.
    var serviceName: String { composeService ?? name }

    /// This spec with relative compose bind sources resolved against the project
    /// directory the engine recorded (`docker.compose.project_directory` already
    /// resolved them when given).
    func resolvingRelativeBinds(against directory: String?) -> ContainerSpec {
        guard directory != nil, mounts?.contains(where: { $0.relativeSource != nil }) == true else { return self }
        var spec = self
        spec.mounts = mounts?.map { $0.resolved(against: directory) }
        return spec
    }

    /// Where `field` was written, else the container entry.
    func position(of field: String) -> SourcePosition { fieldPositions[field] ?? position }
}
