import ReconcileKit

/// The `mounts:` section: media chains that cross layers. Django writes to
/// `container_path`, which must be a mount of `host_path`, which Caddy must serve at
/// `served_at` with the prefix stripped. No single tool checks this chain, and any
/// broken link means uploaded files 404.
public struct MediaSpec: ManifestSection {
    public static let key = "mounts"

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

    static let keys = ["name", "container", "container_path", "host_path", "served_at", "caddy_container"]

    public init(from node: ManifestNode) throws {
        chains = try node.list().map { item in
            let map = try item.mapping(allowedKeys: Self.keys)
            func absolutePath(_ key: String) throws -> String {
                let value = try map.required(key)
                let text = try value.nonEmptyString()
                guard text.hasPrefix("/") else { throw value.error("must be an absolute path, got '\(text)'") }
                return text
            }
            return Chain(
                name: try map.required("name").nonEmptyString(),
                container: try map.required("container").nonEmptyString(),
                containerPath: try absolutePath("container_path"),
                hostPath: try absolutePath("host_path"),
                servedAt: try absolutePath("served_at"),
                caddyContainer: try map.optional("caddy_container")?.nonEmptyString(),
                position: item.position)
        }
    }
}
