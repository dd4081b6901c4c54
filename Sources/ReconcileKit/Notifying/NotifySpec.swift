/// The manifest's `notify:` list: where a run says that something changed. Each target
/// names its webhook URL indirectly (an environment variable or a file), because the URL
/// of a chat webhook is itself the credential: it is never in the manifest, and never
/// printed.
public struct NotifySpec: Sendable {
    public static let key = "notify"
    public static let summary =
        "Webhooks told once per change (drift started, resolved, became unknown; apply results; the source went stale)."
    public static let shape = ManifestShape.list(.object(NotifyTarget.object))

    public let targets: [NotifyTarget]

    public init(targets: [NotifyTarget]) {
        self.targets = targets
    }

    init(from node: ManifestNode) throws {
        var targets: [NotifyTarget] = []
        for item in try node.list() {
            do {
                let target = try NotifyTarget(from: item)
                if let first = targets.first(where: { $0.name == target.name }) {
                    throw item.error("duplicate notify name '\(target.name)' (first at line \(first.position.line))")
                }
                targets.append(target)
            } catch let error as ManifestError {
                node.report(error)
            }
        }
        self.targets = targets
    }
}

/// One webhook: its name, where its URL comes from, the body's format, and the changes
/// it wants to hear about.
public struct NotifyTarget: Sendable, Hashable {
    /// A body shape the receiver understands.
    public enum Format: String, Sendable, CaseIterable {
        /// reconcile's own JSON (`NotificationMessage`), for scripts and Alertmanager-style receivers.
        case json
        /// `{"text": …}`, what Slack's (and Mattermost's) incoming webhooks read.
        case slack
    }

    public var name: String
    public var url: TokenSource
    public var format: Format
    public var on: Set<TransitionKind>
    public var position: SourcePosition

    static let object = ManifestObject(
        [
            .required("name", .string(.nonEmpty), "Names the target in logs."),
            .optional("url_env", .string(.nonEmpty), "The environment variable holding the webhook URL (never the URL itself)."),
            .optional("url_file", .string(.nonEmpty), "A file holding the webhook URL."),
            .optional("format", .string(.choice(of: Format.self)), "The body: json (default) or slack."),
            .optional(
                "on", .list(.string(.choice(of: TransitionKind.self))),
                "The changes to send (default all): drift, resolved, unknown, apply, stale."),
        ],
        exclusive: [
            ExclusiveKeys(
                ["url_env", "url_file"], conflict: "give either url_env or url_file, not both",
                missing: "give url_env or url_file: where the webhook URL comes from")
        ])

    public init(
        name: String, url: TokenSource, format: Format = .json, on: Set<TransitionKind> = Set(TransitionKind.allCases),
        position: SourcePosition = SourcePosition(file: "-", line: 1, column: 1)
    ) {
        self.name = name
        self.url = url
        self.format = format
        self.on = on
        self.position = position
    }

    init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        position = node.position
        name = try map.required("name").string()
        if let variable = try map.optional("url_env")?.string() {
            url = .environment(variable)
        } else {
            url = .file(try map.required("url_file").string())
        }
        format = try map.optional("format").map { Format(rawValue: try $0.string()) ?? .json } ?? .json
        if let list = map.optional("on") {
            on = Set(try list.list().compactMap { TransitionKind(rawValue: try $0.string()) })
        } else {
            on = Set(TransitionKind.allCases)
        }
    }
}
