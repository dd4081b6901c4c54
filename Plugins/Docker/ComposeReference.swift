import ReconcileKit

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
    /// The profiles `docker compose --profile` activates: a service with `profiles:` is
    /// expected only when one of its profiles is active, as compose starts it.
    public var profiles: [String]
    /// Where each active profile is written, for problems that name one.
    public var profilePositions: [SourcePosition]
    public var position: SourcePosition

    static let object = ManifestObject([
        .required("file", .string(.nonEmpty), "The compose file's path in this repository."),
        .optional("project", .string(.nonEmpty), "The compose project name (default: its name:, else its directory's name)."),
        .optional(
            "project_directory", .string(.absolutePath),
            "Where the project lives on the Docker host, so relative bind sources can be compared (default: the "
                + "compose working directory the engine recorded on the container)."),
        .optional(
            "profiles",
            .list(.string(.pattern("[a-zA-Z0-9][a-zA-Z0-9_.-]+", hint: "a compose profile name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)"))),
            "The active profiles (docker compose --profile): services of other profiles are not expected."),
    ])

    public init(
        file: String, project: String? = nil, projectDirectory: String? = nil, profiles: [String] = [],
        position: SourcePosition = SourcePosition(file: "-", line: 1, column: 1)
    ) {
        self.file = file
        self.project = project
        self.projectDirectory = projectDirectory
        self.profiles = profiles
        self.profilePositions = profiles.map { _ in position }
        self.position = position
    }

    init(from node: ManifestNode) throws {
        position = node.position
        profiles = []
        profilePositions = []
        if node.isMapping {
            let map = try node.mapping(Self.object)
            file = try Self.path(map.required("file"))
            project = try map.optional("project")?.string()
            projectDirectory = try map.optional("project_directory").map { MountSpec.normalisedPath(try $0.string()) }
            for profile in try map.optional("profiles")?.list() ?? [] {
                profiles.append(try profile.string())
                profilePositions.append(profile.position)
            }
        } else {
            file = try Self.path(node)
        }
    }

    /// Whether compose starts a service with these `profiles:` (none: always).
    func enables(_ serviceProfiles: [String]) -> Bool {
        serviceProfiles.isEmpty || serviceProfiles.contains { profiles.contains($0) }
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
