import ReconcileKit

/// The `mounts:` section: media chains that cross layers. Django writes to
/// `container_path`, which must be a mount of `host_path`, which Caddy must serve at
/// `served_at` with the prefix stripped. No single tool checks this chain, and any
/// broken link means uploaded files 404.
public struct MediaSpec: ManifestSection {
    public static let key = "mounts"
    public static let summary =
        "Cross-layer media chains: Django MEDIA_ROOT = container_path, a mount of host_path, served by Caddy at served_at."
    public static let shape = ManifestShape.list(.object(object))

    /// One chain.
    public struct Chain: Sendable, Hashable {
        public let name: String
        public let container: String
        public let containerPath: String
        public let hostPath: String
        public let servedAt: String
        /// When Caddy itself runs in a container: its mount target of the same volume.
        public let caddyContainer: String?
        public let position: SourcePosition
        /// Where each key's value was written (`container_path`, `served_at`, …), for
        /// consistency problems that point at the exact line.
        public var fieldPositions: [String: SourcePosition] = [:]

        /// The position of `key`'s value, else of the chain.
        public func position(of key: String) -> SourcePosition { fieldPositions[key] ?? position }
    }

    public let chains: [Chain]

    static let object = ManifestObject([
        .required("name", .string(.nonEmpty), "Names the chain in reports."),
        .required("container", .string(.nonEmpty), "The Django container (its docker: name)."),
        .required("container_path", .string(.absolutePath), "Where Django writes media: must equal MEDIA_ROOT."),
        .required("host_path", .string(.absolutePath), "The volume's or bind's host path, and Caddy's root for served_at."),
        .required("served_at", .string(.absolutePath), "The URL prefix Caddy serves the files at (MEDIA_URL)."),
        .optional("caddy_container", .string(.nonEmpty), "When Caddy runs in a container: its mount of the same volume is its root."),
    ])

    public init(from node: ManifestNode) throws {
        chains = try node.list().map { item in
            let map = try item.mapping(Self.object)
            var positions: [String: SourcePosition] = [:]
            for key in Self.object.keys.map(\.name) {
                if let value = map.optional(key) { positions[key] = value.position }
            }
            return Chain(
                name: try map.required("name").string(),
                container: try map.required("container").string(),
                containerPath: try map.required("container_path").string(),
                hostPath: try map.required("host_path").string(),
                servedAt: try map.required("served_at").string(),
                caddyContainer: try map.optional("caddy_container")?.string(),
                position: item.position, fieldPositions: positions)
        }
        var seen: [String: SourcePosition] = [:]
        for chain in chains {
            if let first = seen[chain.name] {
                throw ManifestError(
                    position: chain.position(of: "name"), keyPath: node.keyPath,
                    message: "duplicate chain name '\(chain.name)' (first at line \(first.line))")
            }
            seen[chain.name] = chain.position(of: "name")
        }
    }
}
