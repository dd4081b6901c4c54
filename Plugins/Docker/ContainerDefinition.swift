import ReconcileKit

/// What a container was created with beyond what the comparison judges (its command,
/// user, working directory, network, labels, limits and environment), read from its
/// inspect so a printed `docker run` recreates it as it is, with only the manifest's
/// fields changed, as `apply` does from the same inspect (`DockerRecreate`).
///
/// A variable whose name or value looks secret (`SecretName.hides`) or whose value holds
/// a URL's credentials is kept by name only: its value is dropped when the inspect is
/// decoded, so no fix, report or recorded observation can hold it.
public struct ContainerDefinition: Sendable, Hashable, Codable {
    /// `Config.Entrypoint` and `Config.Cmd`: together the process the container runs.
    public var entrypoint: [String]
    public var command: [String]
    public var user: String?
    public var workingDir: String?
    /// `HostConfig.NetworkMode` when it is not the engine's default (`host`, a network name).
    public var networkMode: String?
    public var labels: [String: String]
    /// `nofile=1024:1024`, as `--ulimit` takes them.
    public var ulimits: [String]
    /// `NAME=value` entries in order; a secret-looking name's entry is `NAME` alone.
    public var environment: [String]

    public init(
        entrypoint: [String] = [], command: [String] = [], user: String? = nil, workingDir: String? = nil,
        networkMode: String? = nil, labels: [String: String] = [:], ulimits: [String] = [], environment: [String] = []
    ) {
        self.entrypoint = entrypoint
        self.command = command
        self.user = user
        self.workingDir = workingDir
        self.networkMode = networkMode
        self.labels = labels
        self.ulimits = ulimits
        self.environment = environment.map(Self.withoutSecretValue)
    }

    /// `DJANGO_SECRET_KEY=abc` → `DJANGO_SECRET_KEY`; any other entry as it is.
    static func withoutSecretValue(_ entry: String) -> String {
        isSecret(entry) ? String(entry.prefix { $0 != "=" }) : entry
    }

    /// Whether the `NAME=value` entry's value must never be kept or printed: its name or
    /// value looks secret, or it holds a URL's credentials (`DATABASE_URL=postgres://u:pw@db`).
    static func isSecret(_ entry: String) -> Bool {
        let name = String(entry.prefix { $0 != "=" })
        let value = String(entry.dropFirst(name.count + 1))
        return SecretName.hides(name, value) || Redaction.urlCredentials(in: value) != value
    }

    /// Network modes every engine uses when none is asked for: not worth a flag.
    static let defaultNetworkModes: Set<String> = ["", "default", "bridge"]
}
