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
