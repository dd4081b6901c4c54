import ReconcileKit

/// The `django:` section: the settings production must really run with, how to reach
/// the project's Python to find out, and the deployment checks that must pass.
public struct DjangoSpec: ManifestSection {
    public static let key = "django"

    /// How the project's own Python is run to introspect its settings.
    public enum Runner: Sendable, Hashable {
        /// `docker exec` into this container (its own environment applies).
        case container(String)
        /// A local interpreter in the project directory, with extra environment.
        case local(python: String, workdir: String, environment: [String: String])
    }

    /// Django's check levels, for `deploy_check.fail_level`.
    public enum CheckLevel: String, Sendable, CaseIterable {
        case DEBUG, INFO, WARNING, ERROR, CRITICAL
    }

    public let runner: Runner
    public let settingsModule: String
    /// Setting name → expected value, typed (`false` is not `"False"`).
    public let settings: [(name: String, value: ManifestValue, position: SourcePosition)]
    public let mediaServedByDjango: Bool?
    public let consoleLogging: Bool?
    public let deployCheck: (failLevel: CheckLevel, ignore: [String])?
    public let timeoutMilliseconds: Int
    public let position: SourcePosition

    static let keys = [
        "runner", "settings_module", "settings", "media_served_by_django", "console_logging", "deploy_check",
        "timeout_ms",
    ]

    public init(from node: ManifestNode) throws {
        let map = try node.mapping(allowedKeys: Self.keys)
        position = node.position
        let runnerNode = try map.required("runner")
        let runnerMap = try runnerNode.mapping(allowedKeys: ["container", "local"])
        switch (runnerMap.optional("container"), runnerMap.optional("local")) {
        case (let container?, nil):
            runner = .container(try container.nonEmptyString())
        case (nil, let local?):
            let localMap = try local.mapping(allowedKeys: ["python", "workdir", "env"])
            var environment: [String: String] = [:]
            for entry in try localMap.optional("env")?.entries() ?? [] {
                environment[entry.key] = try entry.value.string()
            }
            runner = .local(
                python: try localMap.required("python").nonEmptyString(),
                workdir: try localMap.required("workdir").nonEmptyString(), environment: environment)
        default:
            throw runnerNode.error("give exactly one of container: NAME or local: {python, workdir}")
        }
        settingsModule = try map.required("settings_module").nonEmptyString()
        settings = try (map.optional("settings")?.entries() ?? []).map { entry in
            guard entry.key.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else {
                throw entry.keyNode.error("Django settings are UPPER_CASE; '\(entry.key)' would never be read")
            }
            return (entry.key, try entry.value.value(), entry.keyNode.position)
        }
        mediaServedByDjango = try map.optional("media_served_by_django")?.bool()
        consoleLogging = try map.optional("console_logging")?.bool()
        if let check = map.optional("deploy_check") {
            let checkMap = try check.mapping(allowedKeys: ["fail_level", "ignore"])
            deployCheck = (
                try checkMap.optional("fail_level")?.choice(CheckLevel.self) ?? .WARNING,
                try checkMap.optional("ignore")?.stringList() ?? []
            )
        } else {
            deployCheck = nil
        }
        timeoutMilliseconds = try map.optional("timeout_ms")?.int(in: 100...600_000) ?? 30_000
    }
}
