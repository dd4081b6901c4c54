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
            return Chain(
                name: try map.required("name").string(),
                container: try map.required("container").string(),
                containerPath: try map.required("container_path").string(),
                hostPath: try map.required("host_path").string(),
                servedAt: try map.required("served_at").string(),
                caddyContainer: try map.optional("caddy_container")?.string(),
                position: item.position)
        }
    }
}
