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
///       environment: [DJANGO_SETTINGS_MODULE]  # names that must be set; values are never read
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
    public var containers: [ContainerSpec]
    public var volumes: [VolumeSpec]
    /// A compose file in the config repository whose services are desired state too.
    public var compose: ComposeReference?
    public var position: SourcePosition

    public init(
        endpoint: String? = nil, containers: [ContainerSpec] = [], volumes: [VolumeSpec] = [],
        compose: ComposeReference? = nil, position: SourcePosition = SourcePosition(file: "-", line: 1, column: 1)
    ) {
        self.endpoint = endpoint
        self.containers = containers
        self.volumes = volumes
        self.compose = compose
        self.position = position
    }

    public init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        position = node.position
        if let endpointNode = map.optional("endpoint") {
            let text = try endpointNode.string()
            do {
                _ = try HTTPEndpoint(parsing: text)
            } catch {
                throw endpointNode.error(error.message)
            }
            endpoint = text
        } else {
            endpoint = nil
        }
        containers = try map.optional("containers")?.list().map { try ContainerSpec(from: $0) } ?? []
        volumes = try map.optional("volumes")?.list().map { try VolumeSpec(from: $0) } ?? []
        compose = try map.optional("compose").map { try ComposeReference(from: $0) }

        var seen: [String: SourcePosition] = [:]
        for container in containers {
            if let first = seen[container.name] {
                throw ManifestError(
                    position: container.position, keyPath: "docker.containers",
                    message: "duplicate container name '\(container.name)' (first at line \(first.line))")
            }
            seen[container.name] = container.position
        }
        var seenVolumes: [String: SourcePosition] = [:]
        for volume in volumes {
            if let first = seenVolumes[volume.name] {
                throw ManifestError(
                    position: volume.position, keyPath: "docker.volumes",
                    message: "duplicate volume '\(volume.name)' (first at line \(first.line))")
            }
            seenVolumes[volume.name] = volume.position
        }
    }
}

/// The lifecycle states the Docker Engine API reports in `State.Status`, in its own
/// words, so a manifest reads like `docker ps`.
public enum ContainerState: String, Sendable, Hashable, Codable, CaseIterable {
    case created, running, paused, restarting, exited, dead
    /// Transient (`docker rm` in progress): observed, never valid in a manifest.
    case removing
}

/// A restart policy as `docker run --restart` spells it: `no`, `always`,
/// `unless-stopped`, `on-failure` or `on-failure:N`.
public struct RestartPolicy: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The policy names Docker accepts (Podman reports `no` as an empty name).
    public enum Name: String, Sendable, Hashable, Codable, CaseIterable {
        case no
        case always
        case unlessStopped = "unless-stopped"
        case onFailure = "on-failure"
    }

    public var name: Name
    /// Only for `on-failure`; nil or 0 means unlimited (and is not compared when nil).
    public var maximumRetryCount: Int?

    public init(_ name: Name, maximumRetryCount: Int? = nil) {
        self.name = name
        self.maximumRetryCount = maximumRetryCount
    }

    /// Parses `docker run --restart` syntax; nil if it is not one.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let first = parts.first, let name = Name(rawValue: first) else { return nil }
        if parts.count == 2 {
            guard name == .onFailure, let count = Int(parts[1]), count >= 0 else { return nil }
            self.init(name, maximumRetryCount: count)
        } else {
            self.init(name)
        }
    }

    public var description: String {
        if name == .onFailure, let count = maximumRetryCount, count > 0 { return "on-failure:\(count)" }
        return name.rawValue
    }

    /// True when `observed` satisfies this (desired) policy: the retry count is only
    /// compared when the manifest gives one.
    func isSatisfied(by observed: RestartPolicy) -> Bool {
        guard name == observed.name else { return false }
        guard name == .onFailure, let wanted = maximumRetryCount else { return true }
        return wanted == (observed.maximumRetryCount ?? 0)
    }
}

/// One published port, as `docker run -p` and compose spell it:
/// `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`.
public struct PortBinding: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// nil means every interface (`0.0.0.0`, `::` or empty in the API).
    public var hostIP: String?
    /// nil means a port the engine picks.
    public var hostPort: Int?
    public var containerPort: Int
    /// `tcp`, `udp` or `sctp`.
    public var proto: String

    public init(hostIP: String? = nil, hostPort: Int?, containerPort: Int, proto: String = "tcp") {
        self.hostIP = Self.normalisedIP(hostIP)
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.proto = proto.lowercased()
    }

    /// Empty, `0.0.0.0` and `::` all mean "every interface"; brackets around IPv6 go.
    static func normalisedIP(_ ip: String?) -> String? {
        guard var ip = ip?.trimmingCharacters(in: .whitespaces), !ip.isEmpty else { return nil }
        if ip.hasPrefix("[") && ip.hasSuffix("]") { ip = String(ip.dropFirst().dropLast()) }
        return ["0.0.0.0", "::", "*"].contains(ip) ? nil : ip
    }

    /// Parses one `-p` style entry; ranges (`8000-8001:8000-8001`) expand to one binding
    /// per port. Throws a message for the manifest error.
    public static func parse(_ text: String) throws(PortSyntaxError) -> [PortBinding] {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        var proto = "tcp"
        if let slash = body.lastIndex(of: "/") {
            proto = String(body[body.index(after: slash)...]).lowercased()
            body = body[..<slash]
            guard ["tcp", "udp", "sctp"].contains(proto) else {
                throw PortSyntaxError("unknown protocol '\(proto)' in '\(text)' (tcp, udp or sctp)")
            }
        }
        var hostIP: String?
        if body.hasPrefix("[") {
            guard let close = body.firstIndex(of: "]") else { throw PortSyntaxError("unclosed '[' in '\(text)'") }
            hostIP = String(body[body.index(after: body.startIndex)..<close])
            body = body[body.index(after: close)...]
            guard body.hasPrefix(":") else { throw PortSyntaxError("expected ':' after the IPv6 address in '\(text)'") }
            body = body.dropFirst()
        }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let hostPortText: String?
        let containerText: String
        switch (parts.count, hostIP) {
        case (1, nil):
            hostPortText = nil
            containerText = parts[0]
        case (2, nil):
            hostPortText = parts[0]
            containerText = parts[1]
        case (3, nil):
            hostIP = parts[0]
            hostPortText = parts[1]
            containerText = parts[2]
        case (2, .some):
            hostPortText = parts[0]
            containerText = parts[1]
        default:
            throw PortSyntaxError(
                "'\(text)' is not a port binding (expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL])")
        }
        if let ip = hostIP, ip.isEmpty || ip.contains(where: { $0.isWhitespace }) {
            throw PortSyntaxError("invalid host address in '\(text)'")
        }
        let containerPorts = try range(containerText, in: text)
        let hostPorts: [Int?]
        if let hostPortText, !hostPortText.isEmpty {
            let parsed = try range(hostPortText, in: text)
            guard parsed.count == containerPorts.count else {
                throw PortSyntaxError("'\(text)': the host and container port ranges differ in length")
            }
            hostPorts = parsed
        } else {
            hostPorts = Array(repeating: nil, count: containerPorts.count)
        }
        return zip(hostPorts, containerPorts).map {
            PortBinding(hostIP: hostIP, hostPort: $0, containerPort: $1, proto: proto)
        }
    }

    private static func range(_ text: String, in whole: String) throws(PortSyntaxError) -> [Int] {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count) else { throw PortSyntaxError("invalid port '\(text)' in '\(whole)'") }
        var numbers: [Int] = []
        for bound in bounds {
            guard let port = Int(bound), (1...65535).contains(port) else {
                throw PortSyntaxError("invalid port '\(text)' in '\(whole)' (1 to 65535)")
            }
            numbers.append(port)
        }
        guard numbers.count == 2 else { return numbers }
        guard numbers[0] <= numbers[1], numbers[1] - numbers[0] < 1000 else {
            throw PortSyntaxError("invalid port range '\(text)' in '\(whole)'")
        }
        return Array(numbers[0]...numbers[1])
    }

    /// `127.0.0.1:8000:8000`, `8000:8000`, `53:53/udp`, as a manifest would write it.
    public var description: String {
        var text = ""
        if let hostIP { text += hostIP.contains(":") ? "[\(hostIP)]:" : "\(hostIP):" }
        if let hostPort {
            text += "\(hostPort):"
        } else if hostIP != nil {
            text += ":"
        }
        text += String(containerPort)
        if proto != "tcp" { text += "/\(proto)" }
        return text
    }

    public static func < (lhs: PortBinding, rhs: PortBinding) -> Bool {
        (lhs.containerPort, lhs.proto, lhs.hostIP ?? "", lhs.hostPort ?? 0)
            < (rhs.containerPort, rhs.proto, rhs.hostIP ?? "", rhs.hostPort ?? 0)
    }

    /// True when `observed` publishes what this (desired) binding asks for: the same
    /// container port and protocol, host port (unless left to the engine) and interface.
    func isSatisfied(by observed: PortBinding) -> Bool {
        containerPort == observed.containerPort && proto == observed.proto && hostIP == observed.hostIP
            && (hostPort == nil || hostPort == observed.hostPort)
    }
}

/// Why a port string could not be read.
public struct PortSyntaxError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// One mount of a container: a named volume or a host path (bind) at a target path.
public struct MountSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the mount comes from.
    public enum Source: Sendable, Hashable, Codable {
        /// A named volume.
        case volume(String)
        /// An anonymous volume (compose `- /data`): any volume at the target.
        case anonymousVolume
        /// A host path; nil when it cannot be known (a compose path relative to a
        /// project directory reconcile was not told).
        case bind(String?)
        case tmpfs
    }

    public var source: Source
    public var target: String
    /// Checked only when given.
    public var readOnly: Bool?
    public var position: SourcePosition?

    public init(source: Source, target: String, readOnly: Bool? = nil, position: SourcePosition? = nil) {
        self.source = source
        self.target = Self.normalisedPath(target)
        self.readOnly = readOnly
        self.position = position
    }

    static let object = ManifestObject(
        [
            .optional(
                "volume", .string(VolumeSpec.nameFormat), "A named volume (a host path goes in source:)."),
            .optional("source", .string(.absolutePath), "A host path (a bind mount)."),
            .required("target", .string(.absolutePath), "The path in the container."),
            .optional("read_only", .boolean, "Compared only when given."),
        ],
        exclusive: [
            ExclusiveKeys(
                ["volume", "source"], conflict: "give either volume: (a named volume) or source: (a host path), not both",
                missing: "a mount needs volume: (a named volume) or source: (a host path)")
        ])

    init(from node: ManifestNode) throws {
        position = node.position
        if !node.isMapping {
            let text = try node.nonEmptyString()
            guard let parsed = MountSpec(shortSyntax: text) else {
                throw node.error(
                    "'\(text)' is not a mount; write VOLUME:TARGET[:ro], /HOST/PATH:TARGET[:ro], "
                        + "or { volume: NAME, target: PATH }")
            }
            self = parsed
            position = node.position
            return
        }
        let map = try node.mapping(Self.object)
        if let name = try map.optional("volume")?.string() {
            source = .volume(name)
        } else {
            source = .bind(Self.normalisedPath(try map.required("source").string()))
        }
        target = Self.normalisedPath(try map.required("target").string())
        readOnly = try map.optional("read_only")?.bool()
    }

    /// `media_data:/app/media`, `/srv/static:/app/static:ro` (docker `-v` syntax);
    /// nil when it is not one. Relative paths (`./x`) are not accepted here.
    init?(shortSyntax text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), !parts[0].isEmpty, parts[1].hasPrefix("/") else { return nil }
        var readOnly: Bool?
        if parts.count == 3 {
            let options = parts[2].split(separator: ",").map(String.init)
            if options.contains("ro") { readOnly = true } else if options.contains("rw") { readOnly = false }
        }
        let source: Source
        if parts[0].hasPrefix("/") {
            source = .bind(Self.normalisedPath(parts[0]))
        } else if parts[0].contains("/") || parts[0].hasPrefix(".") || parts[0].hasPrefix("~") {
            return nil
        } else {
            source = .volume(parts[0])
        }
        self.init(source: source, target: parts[1], readOnly: readOnly)
    }

    /// `/srv/x/` → `/srv/x`, `//a//b` → `/a/b`; `/` stays `/`.
    static func normalisedPath(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        let joined = "/" + parts.joined(separator: "/")
        return path.hasPrefix("/") ? joined : String(joined.dropFirst())
    }

    /// `media_data:/app/media`, `/srv/static:/app/static:ro`.
    public var description: String {
        let from: String
        switch source {
        case .volume(let name): from = name + ":"
        case .anonymousVolume: from = ""
        case .bind(let path): from = (path ?? "(relative path)") + ":"
        case .tmpfs: from = "tmpfs:"
        }
        return from + target + (readOnly == true ? ":ro" : "")
    }

    /// Equal when they mount the same thing the same way; where it was written is not
    /// part of what a mount is.
    public static func == (lhs: MountSpec, rhs: MountSpec) -> Bool {
        lhs.source == rhs.source && lhs.target == rhs.target && lhs.readOnly == rhs.readOnly
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(target)
        hasher.combine(readOnly)
    }
}

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
    /// Environment variable names that must be set (values are never read).
    public var environment: [String]?
    public var composeProject: String?
    /// The compose service, when it differs from `name` (compose-derived specs).
    public var composeService: String?
    /// The container must have a health check (from a compose `healthcheck:`).
    public var expectsHealthcheck: Bool
    /// Fields deliberately not compared, with why (compose keys, unresolved variables);
    /// said in the finding so nobody mistakes "not compared" for "in sync".
    public var notes: [String]
    public var position: SourcePosition
    /// Where individual fields were written, for findings that point at the exact line.
    public var fieldPositions: [String: SourcePosition]

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
            "VOLUME:TARGET[:ro], /HOST/PATH:TARGET[:ro], or { volume | source, target, read_only }."),
        .optional(
            "environment", .list(.string(.pattern("[^=]+", hint: "a variable name (list names only; values are never compared)"))),
            "Environment variable names that must be set; values are never read."),
        .optional("compose_project", .string(.nonEmpty), "The compose project; the name is then also the service name."),
    ])

    public init(
        name: String, state: ContainerState? = nil, image: String? = nil, restartPolicy: RestartPolicy? = nil,
        ports: [PortBinding]? = nil, mounts: [MountSpec]? = nil, environment: [String]? = nil,
        composeProject: String? = nil, composeService: String? = nil, expectsHealthcheck: Bool = false,
        notes: [String] = [], position: SourcePosition = SourcePosition(file: "-", line: 1, column: 1),
        fieldPositions: [String: SourcePosition] = [:]
    ) {
        self.name = name
        self.state = state
        self.image = image
        self.restartPolicy = restartPolicy
        self.ports = ports
        self.mounts = mounts
        self.environment = environment
        self.composeProject = composeProject
        self.composeService = composeService
        self.expectsHealthcheck = expectsHealthcheck
        self.notes = notes
        self.position = position
        self.fieldPositions = fieldPositions
    }

    init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        position = node.position
        fieldPositions = [:]
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
            var bindings: [PortBinding] = []
            for item in try portsNode.list() {
                let text = try item.string()
                do {
                    bindings += try PortBinding.parse(text)
                } catch {
                    throw item.error(error.description)
                }
            }
            ports = bindings
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
            let names = try environmentNode.stringList()
            environment = names
            fieldPositions["environment"] = environmentNode.position
        }
        if let projectNode = map.optional("compose_project") {
            composeProject = try projectNode.string()
            fieldPositions["compose_project"] = projectNode.position
        }
        composeService = nil
        expectsHealthcheck = false
        notes = []
    }

    /// The compose service this container is found by, when it belongs to a project.
    var serviceName: String { composeService ?? name }

    /// Where `field` was written, else the container entry.
    func position(of field: String) -> SourcePosition { fieldPositions[field] ?? position }
}

/// A named volume that must exist.
public struct VolumeSpec: Sendable, Hashable, Codable {
    public var name: String
    /// Compared only when given (`local` for Docker's default driver).
    public var driver: String?
    public var position: SourcePosition

    /// Docker's volume names have no '/'.
    static let nameFormat = StringFormat.pattern("[^/]+", hint: "a volume name (no '/'; a host path goes in source:)")
    static let name = ManifestShape.string(nameFormat)
    static let object = ManifestObject([
        .required("name", name, "The volume's name."),
        .optional("driver", .string(.nonEmpty), "Compared only when given (local for Docker's default driver)."),
    ])

    public init(name: String, driver: String? = nil, position: SourcePosition = SourcePosition(file: "-", line: 1, column: 1)) {
        self.name = name
        self.driver = driver
        self.position = position
    }

    init(from node: ManifestNode) throws {
        position = node.position
        if node.isMapping {
            let map = try node.mapping(Self.object)
            name = try map.required("name").string()
            driver = try map.optional("driver")?.string()
        } else {
            name = try node.string()
            driver = nil
        }
    }
}

/// `docker.compose`: a compose file in the config repository whose services and named
/// volumes are desired state, read at the same ref as the manifest.
public struct ComposeReference: Sendable, Hashable {
    /// Repository-relative path of the compose file.
    public var file: String
    /// The compose project name (`docker compose -p`); default: the file's top-level
    /// `name:`, else the name of the directory holding it.
    public var project: String?
    /// Where the project lives on the Docker host, so relative bind sources (`./media`)
    /// can be compared; without it only their targets are.
    public var projectDirectory: String?
    public var position: SourcePosition

    static let object = ManifestObject([
        .required("file", .string(.nonEmpty), "The compose file's path in this repository."),
        .optional("project", .string(.nonEmpty), "The compose project name (default: its name:, else its directory's name)."),
        .optional(
            "project_directory", .string(.absolutePath),
            "Where the project lives on the Docker host, so relative bind sources can be compared."),
    ])

    public init(
        file: String, project: String? = nil, projectDirectory: String? = nil,
        position: SourcePosition = SourcePosition(file: "-", line: 1, column: 1)
    ) {
        self.file = file
        self.project = project
        self.projectDirectory = projectDirectory
        self.position = position
    }

    init(from node: ManifestNode) throws {
        position = node.position
        if node.isMapping {
            let map = try node.mapping(Self.object)
            file = try Self.path(map.required("file"))
            project = try map.optional("project")?.string()
            projectDirectory = try map.optional("project_directory").map { MountSpec.normalisedPath(try $0.string()) }
        } else {
            file = try Self.path(node)
        }
    }

    private static func path(_ node: ManifestNode) throws -> String {
        var text = try node.nonEmptyString()
        guard !text.hasPrefix("/") else {
            throw node.error("the compose file is read from the config repository: give a repository-relative path")
        }
        while text.hasPrefix("./") { text.removeFirst(2) }
        guard !text.split(separator: "/").contains("..") else { throw node.error("the path may not contain '..'") }
        return text
    }
}
