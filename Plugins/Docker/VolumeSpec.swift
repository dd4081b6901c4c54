import ReconcileKit

/// A named volume that must exist.
public struct VolumeSpec: Sendable, Hashable, Codable {
    public var name: String
    /// Compared only when given (`local` for Docker's default driver).
    public var driver: String?
    public var position = SourcePosition(file: "-", line: 1, column: 1)

    /// Docker's volume names have no '/'.
    static let nameFormat = StringFormat.pattern("[^/]+", hint: "a volume name (no '/'; a host path goes in source:)")
    static let name = ManifestShape.string(nameFormat)
    static let object = ManifestObject([
        .required("name", name, "The volume's name."),
        .optional("driver", .string(.nonEmpty), "Compared only when given (local for Docker's default driver)."),
    ])
}

extension VolumeSpec {
    init(from node: ManifestNode) throws {
        position = node.position
        if node.isMapping {
            let map = try node.mapping(Self.object)
            name = try map.required("name").string()
            driver = try map.optional("driver")?.string()
        } else {
            name = try node.string()
        }
    }
}
