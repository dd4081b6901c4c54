import ReconcileKit

/// Everything one run saw of the Docker engine, in plain values: what `compare` judges.
///
/// It is `Codable` so tests can replay observations. It holds no value of a variable
/// whose name looks secret beyond those the manifest compares (which are never shown):
/// `ContainerDefinition` drops them when the inspect is decoded.
public struct DockerObservation: Sendable, Hashable, Codable {
    /// The endpoint actually used (after `$DOCKER_HOST` and the default).
    public var endpoint: String
    /// Why the engine could not be observed at all; nil when it answered.
    public var problem: EngineProblem?
    public var engine: EngineInfo?
    /// Every container (`docker ps -a`), for pairing and for "did you mean"; only the
    /// desired ones when no other checker of the run reads this observation and each
    /// answered to its exact name (the list was not needed, see `DockerChecker`).
    public var containers: [ContainerSummary] = []
    /// Inspections of the containers paired with desired ones, by container id.
    public var inspected: [String: ContainerObservation] = [:]
    /// Containers that were listed but could not be inspected, by id, with the reason.
    public var inspectionProblems: [String: String] = [:]
    /// Every volume; nil when listing them failed (`volumeProblem` says why).
    public var volumes: [VolumeObservation]?
    public var volumeProblem: String?
    /// The compose file's desired state, when the manifest names one.
    public var compose: ComposeObservation?

    /// The inspected container with this name, for checkers that take this observation
    /// as an input (the media chain reads a container's mounts). Only containers the
    /// `docker:` section (or its compose file) names are inspected.
    public func container(named name: String) -> ContainerObservation? {
        inspected.values.first { $0.name == name }
    }

    /// The volume with this name (its `mountpoint` is the host directory behind it).
    public func volume(named name: String) -> VolumeObservation? {
        volumes?.first { $0.name == name }
    }
}

/// Why the Docker engine could not be observed, classified so the fix can be precise:
/// "start the daemon" and "join the docker group" are different repairs.
public struct EngineProblem: Sendable, Hashable, Codable, Error, CustomStringConvertible {
    /// The failure classes that need different repairs.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The unix socket file does not exist.
        case noSocket
        /// The socket exists but this user may not connect to it.
        case permissionDenied
        /// Nothing accepts connections (a stale socket file, a stopped daemon, a TCP port with no listener).
        case connectionRefused
        /// Something answered, but not the Docker Engine API.
        case notDocker
        /// The engine only speaks API versions this reconcile does not.
        case incompatibleVersion
        case timeout
        /// The endpoint (from `$DOCKER_HOST`) is not one reconcile can use.
        case unsupportedEndpoint
        /// `exec`: no container of that name.
        case containerMissing
        /// `exec`: the container exists but is not running.
        case containerNotRunning
        /// The run's request policy refused the request (a dry run allows GETs and exec only).
        case refusedByPolicy
        /// The engine does not offer the call (a 404 for the endpoint itself).
        case unsupportedCall
        /// Any other failure, described in `message`.
        case other
    }

    public var kind: Kind
    public var message: String
    /// What to do about it (a command, a group, a variable).
    public var hint: String

    public var description: String { message }
}

/// Which engine answered, and the API version reconcile speaks with it.
public struct EngineInfo: Sendable, Hashable, Codable {
    /// `Docker Engine - Community`, `Podman Engine`, … (from `/version`'s components).
    public var product: String
    public var version: String
    /// The engine's highest (default) API version.
    public var apiVersion: String
    public var minAPIVersion: String
    /// The version used for every request of this run.
    public var negotiatedVersion: String
}

/// A row of `GET /containers/json?all=1`: enough to pair containers with the manifest
/// and to suggest the closest name when one is missing.
public struct ContainerSummary: Sendable, Hashable, Codable {
    public var id: String
    /// Without the leading `/`.
    public var name: String
    /// `State.Status` as reported (`running`, `exited`, …).
    public var state: String
    public var image: String
    public var composeProject: String?
    public var composeService: String?
    /// The host ports it publishes, as the list reports them (`Ports`): what the host
    /// checker reads to say which container a port belongs to, for every container,
    /// named in the manifest or not.
    public var ports: [PortBinding] = []
}

extension ContainerSummary {
    /// The row an inspected container would have in the list (its ports as inspected).
    init(inspected container: ContainerObservation) {
        self.init(
            id: container.id, name: container.name, state: container.state, image: container.image,
            composeProject: container.composeProject, composeService: container.composeService, ports: container.ports)
    }
}

/// A container's health as its own health check reports it.
public struct HealthObservation: Sendable, Hashable, Codable {
    /// `none`, `starting`, `healthy` or `unhealthy` (Docker's words).
    public var status: String
    public var failingStreak = 0
    /// The output of the latest failed check (trimmed, at most 300 characters).
    public var lastFailureOutput: String?
    public var lastFailureExitCode: Int?
}

/// A mount as the engine reports it in `Mounts`.
public struct MountObservation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `volume`, `bind`, `tmpfs`, …
    public var type: String
    /// The volume name (volumes only).
    public var name: String?
    /// The host path: the bind source, or the volume's directory on the host.
    public var source: String
    public var target: String
    public var readOnly: Bool

    public init(type: String, name: String? = nil, source: String, target: String, readOnly: Bool) {
        self.type = type
        self.name = name
        self.source = source
        self.target = MountSpec.normalisedPath(target)
        self.readOnly = readOnly
    }

    public var description: String {
        let from = type == "volume" ? (name ?? "(anonymous volume)") : type == "bind" ? source : type
        return "\(from):\(target)" + (readOnly ? ":ro" : "")
    }
}

/// What `GET /containers/{id}/json` says about one container, reduced to what the
/// comparison (and the media chain) needs, and what a fix needs to recreate it.
public struct ContainerObservation: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// `State.Status` as reported.
    public var state: String
    public var exitCode = 0
    public var oomKilled = false
    /// `State.Error`, when the engine reported one (a failed start).
    public var error: String?
    /// The image reference the container was created from (`Config.Image`).
    public var image: String
    /// The image id it runs (`sha256:…`).
    public var imageID = ""
    public var restartPolicy = RestartPolicy(.no)
    /// The restart policy name as reported, when it is not one reconcile knows.
    public var restartPolicyRaw: String?
    /// nil when the container has no health check.
    public var health: HealthObservation?
    /// Published ports, normalised (every interface = nil host address).
    public var ports: [PortBinding] = []
    public var mounts: [MountObservation] = []
    public var composeProject: String?
    public var composeService: String?
    /// The compose project directory on the Docker host (label
    /// `com.docker.compose.project.working_dir`): relative bind sources resolve against it.
    public var composeWorkingDir: String?
    /// Names of the environment variables set in the container.
    public var environmentNames: [String] = []
    /// The values of the variables the manifest compares by value.
    public var environmentValues: [String: String] = [:]
    /// What it was created with, for a fix that recreates it as it is; nil in
    /// observations recorded before it was read.
    public var definition: ContainerDefinition?
    /// Started with `--rm` (`HostConfig.AutoRemove`): its own stop removes it, so it is
    /// never recreated (nil in observations recorded before it was read).
    public var autoRemove: Bool?

    /// On the host's network (`--network host`), where the engine discards published ports.
    var usesHostNetwork: Bool { definition?.networkMode == "host" }
}

/// A named volume (`GET /volumes`), with the host directory behind it, which the media
/// chain compares with Caddy's file_server root.
public struct VolumeObservation: Sendable, Hashable, Codable {
    public var name: String
    public var driver: String
    /// The volume's directory on the Docker host.
    public var mountpoint: String
    public var composeProject: String?
}

/// The desired state read from the manifest's compose file, or why it could not be.
public struct ComposeObservation: Sendable, Hashable, Codable {
    public var file: String
    public var project: String?
    /// Expected containers, one per service that `docker compose up -d` starts.
    public var containers: [ContainerSpec] = []
    /// Named volumes the file declares, by their engine names (`project_name`).
    public var volumes: [VolumeSpec] = []
    /// Why the file could not be used; nil when it was.
    public var problem: String?
    /// What `docker compose` would refuse in the file (an undeclared named volume, two
    /// mounts on one target, …): the deploy fails although the file reads.
    public var refusals: [Refusal] = []

    /// One thing compose refuses, with the consistency rule that names it in `validate`.
    public struct Refusal: Sendable, Hashable, Codable {
        public var rule: String
        public var message: String
        public var position: SourcePosition
    }
}
