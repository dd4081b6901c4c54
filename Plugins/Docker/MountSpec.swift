import ReconcileKit

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
    /// A compose bind source relative to the project directory (`./media`), as
    /// written, while the directory is not known (`source` is then `.bind(nil)`).
    public var relativeSource: String?
    public var position: SourcePosition?

    public init(
        source: Source, target: String, readOnly: Bool? = nil, relativeSource: String? = nil, position: SourcePosition? = nil
    ) {
        self.source = source
        self.target = Self.normalisedPath(target)
        self.readOnly = readOnly
        self.relativeSource = relativeSource
        self.position = position
    }

    /// This mount with a relative bind source resolved against the compose project
    /// directory `directory` (as compose resolves it); unchanged otherwise.
    func resolved(against directory: String?) -> MountSpec {
        guard case .bind(nil) = source, let relative = relativeSource,
            let path = ComposeLoader.resolve(relative, directory: directory)
        else { return self }
        var mount = self
        mount.source = .bind(path)
        mount.relativeSource = nil
        return mount
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
                        + "/TARGET (an anonymous volume), or { volume: NAME, target: PATH }")
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

    /// `media_data:/app/media`, `/srv/static:/app/static:ro`, `/app/cache` (docker `-v`
    /// syntax: a target alone is an anonymous volume, whose engine-made name is no part of
    /// what is compared); nil when it is not one. Relative paths (`./x`) are not accepted here.
    init?(shortSyntax text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 1, parts[0].hasPrefix("/") {
            self.init(source: .anonymousVolume, target: parts[0])
            return
        }
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
        FilesystemPath.normalised(path)
    }

    /// `media_data:/app/media`, `/srv/static:/app/static:ro`.
    public var description: String {
        let from: String
        switch source {
        case .volume(let name): from = name + ":"
        case .anonymousVolume: from = ""
        case .bind(let path): from = (path ?? relativeSource ?? "(relative path)") + ":"
        case .tmpfs: from = "tmpfs:"
        }
        return from + target + (readOnly == true ? ":ro" : "")
    }

    /// Equal when they mount the same thing the same way; where it was written is not
    /// part of what a mount is.
    public static func == (lhs: MountSpec, rhs: MountSpec) -> Bool {
        lhs.source == rhs.source && lhs.target == rhs.target && lhs.readOnly == rhs.readOnly
            && lhs.relativeSource == rhs.relativeSource
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(target)
        hasher.combine(readOnly)
        hasher.combine(relativeSource)
    }
}
