import Foundation
import ReconcileKit

/// The `django:` section: the settings production must really run with, how to reach
/// the project's Python to find out, and the deployment checks that must pass.
///
/// The settings are read from the running project itself (its interpreter, its
/// environment variables, its settings module), not from settings.py as text: a value
/// computed from the environment is only known by asking the process that computes it.
public struct DjangoSpec: ManifestSection {
    public static let key = "django"

    /// How the project's own Python is run to introspect its settings.
    public enum Runner: Sendable, Hashable {
        /// `docker exec` into a container (its own environment applies).
        case container(ContainerRunner)
        /// A local interpreter in the project directory, with extra environment.
        case local(LocalRunner)
    }

    /// `runner.container`: a running container reached through the Docker Engine API.
    /// The short form `container: NAME` takes every default.
    public struct ContainerRunner: Sendable, Hashable {
        /// The container's name or id.
        public var name: String
        /// The engine's endpoint as written in the manifest; nil means `$DOCKER_HOST`,
        /// else `unix:///var/run/docker.sock` (as the Docker CLI does).
        public var endpoint: String?
        /// The interpreter inside the container, an absolute path or a name on the
        /// container's PATH (`python3` when not given).
        public var python: String
        /// The directory the project is imported from; nil means the container's own
        /// working directory (the image's `WORKDIR`).
        public var workdir: String?
        /// Added to the container's own environment for this one run.
        public var environment: [String: String]

        public init(
            name: String, endpoint: String? = nil, python: String = "python3", workdir: String? = nil,
            environment: [String: String] = [:]
        ) {
            self.name = name
            self.endpoint = endpoint
            self.python = python
            self.workdir = workdir
            self.environment = environment
        }
    }

    /// `runner.local`: an interpreter on this host, run in the project directory.
    public struct LocalRunner: Sendable, Hashable {
        /// Usually the project virtualenv's `bin/python`.
        public var python: String
        /// The project directory (where `manage.py` is): the import root.
        public var workdir: String
        /// Added to reconcile's own environment for this run (the production values the
        /// settings read, e.g. `DJANGO_DEBUG`).
        public var environment: [String: String]

        public init(python: String, workdir: String, environment: [String: String] = [:]) {
            self.python = python
            self.workdir = workdir
            self.environment = environment
        }
    }

    /// Django's check levels, for `deploy_check.fail_level`, with Django's numbers.
    public enum CheckLevel: String, Sendable, CaseIterable, Comparable {
        case DEBUG, INFO, WARNING, ERROR, CRITICAL

        /// `django.core.checks` numbers: DEBUG 10 … CRITICAL 50.
        public var number: Int {
            switch self {
            case .DEBUG: 10
            case .INFO: 20
            case .WARNING: 30
            case .ERROR: 40
            case .CRITICAL: 50
            }
        }

        /// The level Django uses for a message's number (custom levels round down).
        public init(number: Int) {
            self = Self.allCases.last { $0.number <= number } ?? .DEBUG
        }

        public static func < (lhs: CheckLevel, rhs: CheckLevel) -> Bool { lhs.number < rhs.number }
    }

    /// One expected setting, typed (`false` is not `"False"`).
    public struct Setting: Sendable, Hashable {
        public var name: String
        public var value: ManifestValue
        public var position: SourcePosition

        public init(name: String, value: ManifestValue, position: SourcePosition = DjangoSpec.noPosition) {
            self.name = name
            self.value = value
            self.position = position
        }
    }

    /// `deploy_check`: which of Django's deployment checks may fire.
    public struct DeployCheck: Sendable, Hashable {
        /// Messages at this level or above are drift (like `manage.py check --deploy
        /// --fail-level`).
        public var failLevel: CheckLevel
        /// Check ids accepted on purpose (`security.W004`), like SILENCED_SYSTEM_CHECKS
        /// but kept in the desired state.
        public var ignore: [String]
        public var position: SourcePosition

        public init(failLevel: CheckLevel = .WARNING, ignore: [String] = [], position: SourcePosition = DjangoSpec.noPosition) {
            self.failLevel = failLevel
            self.ignore = ignore
            self.position = position
        }
    }

    public var runner: Runner
    public var settingsModule: String
    public var settings: [Setting]
    public var mediaServedByDjango: Bool?
    public var mediaPosition: SourcePosition?
    public var consoleLogging: Bool?
    public var consolePosition: SourcePosition?
    public var deployCheck: DeployCheck?
    public var timeoutMilliseconds: Int
    public var position: SourcePosition

    public init(
        runner: Runner, settingsModule: String, settings: [Setting] = [], mediaServedByDjango: Bool? = nil,
        consoleLogging: Bool? = nil, deployCheck: DeployCheck? = nil, timeoutMilliseconds: Int = 30_000,
        position: SourcePosition = DjangoSpec.noPosition
    ) {
        self.runner = runner
        self.settingsModule = settingsModule
        self.settings = settings
        self.mediaServedByDjango = mediaServedByDjango
        self.consoleLogging = consoleLogging
        self.deployCheck = deployCheck
        self.timeoutMilliseconds = timeoutMilliseconds
        self.position = position
    }

    /// The position of specs built in code (tests): no file, line 1.
    public static let noPosition = SourcePosition(file: "-", line: 1, column: 1)

    static let keys = [
        "runner", "settings_module", "settings", "media_served_by_django", "console_logging", "deploy_check",
        "timeout_ms",
    ]
    static let containerKeys = ["name", "endpoint", "python", "workdir", "env"]

    /// Names Django itself treats as secret (`SafeExceptionReporterFilter.hidden_settings`):
    /// their values are never read, so they cannot be compared.
    static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["API", "TOKEN", "KEY", "SECRET", "PASS", "SIGNATURE"].contains { upper.contains($0) }
    }

    public init(from node: ManifestNode) throws {
        let map = try node.mapping(allowedKeys: Self.keys)
        position = node.position
        runner = try Self.runner(from: try map.required("runner"))
        let module = try map.required("settings_module")
        settingsModule = try module.nonEmptyString()
        guard settingsModule.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(Self.isIdentifier) else {
            throw module.error("'\(settingsModule)' is not a Python module path (like project.settings)")
        }
        settings = try (map.optional("settings")?.entries() ?? []).map { entry in
            guard entry.key.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else {
                throw entry.keyNode.error("Django settings are UPPER_CASE; '\(entry.key)' would never be read")
            }
            guard !Self.isSecretName(entry.key) else {
                throw entry.keyNode.error(
                    "'\(entry.key)' looks secret to Django (its name contains API, TOKEN, KEY, SECRET, PASS or "
                        + "SIGNATURE), so reconcile never reads its value and cannot compare it; a weak or "
                        + "missing SECRET_KEY is reported by deploy_check (security.W009)")
            }
            return Setting(name: entry.key, value: try entry.value.value(), position: entry.keyNode.position)
        }
        let media = map.optional("media_served_by_django")
        mediaServedByDjango = try media?.bool()
        mediaPosition = media?.position
        let console = map.optional("console_logging")
        consoleLogging = try console?.bool()
        consolePosition = console?.position
        if let check = map.optional("deploy_check") {
            let checkMap = try check.mapping(allowedKeys: ["fail_level", "ignore"])
            deployCheck = DeployCheck(
                failLevel: try checkMap.optional("fail_level")?.choice(CheckLevel.self) ?? .WARNING,
                ignore: try checkMap.optional("ignore")?.stringList() ?? [], position: check.position)
        } else {
            deployCheck = nil
        }
        timeoutMilliseconds = try map.optional("timeout_ms")?.int(in: 100...600_000) ?? 30_000
    }

    static func runner(from node: ManifestNode) throws -> Runner {
        let runnerMap = try node.mapping(allowedKeys: ["container", "local"])
        switch (runnerMap.optional("container"), runnerMap.optional("local")) {
        case (let container?, nil):
            if (try? container.string()) != nil {
                return .container(ContainerRunner(name: try containerName(container)))
            }
            let map = try container.mapping(allowedKeys: containerKeys)
            var endpoint: String?
            if let endpointNode = map.optional("endpoint") {
                let text = try endpointNode.nonEmptyString()
                do {
                    _ = try HTTPEndpoint(parsing: text)
                } catch {
                    throw endpointNode.error(error.message)
                }
                endpoint = text
            }
            return .container(
                ContainerRunner(
                    name: try containerName(try map.required("name")), endpoint: endpoint,
                    python: try map.optional("python")?.nonEmptyString() ?? "python3",
                    workdir: try map.optional("workdir").map(absolutePath), environment: try environment(map)))
        case (nil, let local?):
            let map = try local.mapping(allowedKeys: ["python", "workdir", "env"])
            return .local(
                LocalRunner(
                    python: try map.required("python").nonEmptyString(),
                    workdir: try map.required("workdir").nonEmptyString(), environment: try environment(map)))
        default:
            throw node.error("give exactly one of container: NAME or local: {python, workdir}")
        }
    }

    static func environment(_ map: ManifestMapping) throws -> [String: String] {
        var environment: [String: String] = [:]
        for entry in try map.optional("env")?.entries() ?? [] {
            guard !entry.key.isEmpty, !entry.key.contains("="), !entry.key.contains("\0") else {
                throw entry.keyNode.error("'\(entry.key)' is not an environment variable name")
            }
            environment[entry.key] = try entry.value.string()
        }
        return environment
    }

    /// Docker's container name rule: `[a-zA-Z0-9][a-zA-Z0-9_.-]*` (an id is hex).
    static func containerName(_ node: ManifestNode) throws -> String {
        let name = try node.nonEmptyString()
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0))
        }
        guard allowed, let first = name.unicodeScalars.first, CharacterSet.alphanumerics.contains(first) else {
            throw node.error("'\(name)' is not a container name (letters, digits, '_', '.', '-')")
        }
        return name
    }

    static func absolutePath(_ node: ManifestNode) throws -> String {
        let path = try node.nonEmptyString()
        guard path.hasPrefix("/") else { throw node.error("'\(path)' must be an absolute path") }
        return path
    }

    static func isIdentifier(_ part: Substring) -> Bool {
        guard let first = part.first, first.isLetter || first == "_" else { return false }
        return part.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
    }
}
