import ReconcileKit

/// The `docker:` section: which containers and volumes must exist on the Docker engine,
/// and in what shape. Optional fields are checked only when given, so a manifest can
/// start with names and states and grow from there.
///
/// ```yaml
/// docker:
///   endpoint: unix:///var/run/docker.sock   # default: $DOCKER_HOST, then this
///   compose: deploy/compose.yaml            # or { file:, project:, project_directory: }
///   containers:
///     - name: backend
///       state: running
///       image: rims-backend:latest
///       restart_policy: unless-stopped
///       ports: ["127.0.0.1:8000:8000"]
///       mounts:
///         - { volume: media_data, target: /app/media }
///         - { source: /srv/rims/static, target: /app/static, read_only: true }
///       environment: [DJANGO_SETTINGS_MODULE]  # names that must be set; their values are not compared
///       compose_project: rims
///   volumes: [media_data]
/// ```
public struct DockerSpec: ManifestSection {
    public static let key = "docker"
    public static let summary = "Which containers and volumes must exist on the Docker engine, and in what shape."
    public static let shape = ManifestShape.object(object)
    static let object = ManifestObject([
        .optional(
            "endpoint", .string(.url(schemes: ["unix", "tcp", "http", "https"])),
            "The Docker engine (default: $DOCKER_HOST, then unix:///var/run/docker.sock)."),
        .optional("containers", .list(.object(ContainerSpec.object)), "Containers that must exist; only the fields given are compared."),
        .optional("volumes", .list(.either([VolumeSpec.name, .object(VolumeSpec.object)])), "Named volumes that must exist."),
        .optional(
            "compose", .either([.string(.nonEmpty), .object(ComposeReference.object)]),
            "A compose file in this repository whose services are desired state too."),
    ])

    /// The endpoint as written in the manifest; nil means `$DOCKER_HOST`, then the
    /// default socket (resolved when observing, from the run's environment).
    public var endpoint: String?
    public var containers: [ContainerSpec] = []
    public var volumes: [VolumeSpec] = []
    /// A compose file in the config repository whose services are desired state too.
    public var compose: ComposeReference?
    public var position = SourcePosition(file: "-", line: 1, column: 1)
}

extension DockerSpec {
    public init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        position = node.position
        endpoint = try Self.endpoint(map.optional("endpoint"))
        containers = try map.optional("containers")?.list().map { try ContainerSpec(from: $0) } ?? []
        volumes = try map.optional("volumes")?.list().map { try VolumeSpec(from: $0) } ?? []
        compose = try map.optional("compose").map { try ComposeReference(from: $0) }

        try Self.rejectDuplicates(containers.map { ($0.name, $0.position) }, "container name", at: "docker.containers")
        try Self.rejectDuplicates(volumes.map { ($0.name, $0.position) }, "volume", at: "docker.volumes")
    }

    /// An engine endpoint as a manifest writes it, when it is one reconcile can reach
    /// (the Django runner's `container.endpoint` too); nil when not written.
    public static func endpoint(_ node: ManifestNode?) throws -> String? {
        guard let node else { return nil }
        let text = try node.string()
        do {
            _ = try HTTPEndpoint(parsing: text)
        } catch {
            throw node.error(error.message)
        }
        return text
    }

    /// The second entry of a name, with the line of its first.
    private static func rejectDuplicates(_ entries: [(String, SourcePosition)], _ what: String, at keyPath: String) throws {
        var seen: [String: SourcePosition] = [:]
        for (name, position) in entries {
            if let first = seen[name] {
                throw ManifestError(
                    position: position, keyPath: keyPath, message: "duplicate \(what) '\(name)' (first at line \(first.line))")
            }
            seen[name] = position
        }
    }
}
