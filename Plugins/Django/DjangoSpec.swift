import DockerChecker
import Foundation
import ReconcileKit

/// The `django:` section: the settings production must really run with, how to reach
/// the project's Python to find out, and the deployment checks that must pass.
///
/// The settings are read from the running project itself (its interpreter, its
/// environment variables, its settings module), not from settings.py as text: a value
/// computed from the environment is only known by asking the process that computes it.
public struct DjangoSpec: ManifestSection, TrustSensitive {
    public static let key = "django"
    public static let summary = "The settings production must run with, how to reach the project's Python, and the deployment checks."
    public static let shape = ManifestShape.object(object)

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
        public var python = "python3"
        /// The directory the project is imported from; nil means the container's own
        /// working directory (the image's `WORKDIR`).
        public var workdir: String?
        /// Added to the container's own environment for this one run.
        public var environment: [String: String] = [:]
    }

    /// `runner.local`: an interpreter on this host, run in the project directory.
    public struct LocalRunner: Sendable, Hashable {
        /// Usually the project virtualenv's `bin/python`.
        public var python: String
        /// The project directory (where `manage.py` is): the import root.
        public var workdir: String
        /// Added to reconcile's own environment for this run (the production values the
        /// settings read, e.g. `DJANGO_DEBUG`).
        public var environment: [String: String] = [:]
    }

    /// Django's check levels, for `deploy_check.fail_level`, with Django's numbers; the
    /// same names and numbers as Python's logging levels, so `console_logging.level`
    /// uses them too.
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
        public var position = DjangoSpec.noPosition
    }

    /// `console_logging`: which loggers must reach the console (a StreamHandler on stdout
    /// or stderr, what the container runtime and Gunicorn collect) at which level, judged
    /// as production runs: with DEBUG as the manifest wants it, not as it is now. `true`
    /// is the short form for the root and `django` loggers at WARNING; `false` wants
    /// neither of them on the console.
    public struct ConsoleLogging: Sendable, Hashable, ExpressibleByBooleanLiteral {
        /// False for `console_logging: false`: these loggers must not reach the console.
        public var wanted = true
        /// Logger names as Python spells them (`rims.workflow`); `root` is the root logger.
        public var loggers = shortFormLoggers
        /// The level of the record that must get through.
        public var level = CheckLevel.WARNING
        /// Also prove it live: one probe record per logger through its console handlers
        /// in the container, found again in the container's log (container runner only).
        public var prove = false
        public var position = DjangoSpec.noPosition

        public static let shortFormLoggers = ["root", "django"]
    }

    /// `deploy_check`: which of Django's deployment checks may fire.
    public struct DeployCheck: Sendable, Hashable {
        /// Messages at this level or above are drift (like `manage.py check --deploy
        /// --fail-level`).
        public var failLevel = CheckLevel.WARNING
        /// Check ids accepted on purpose (`security.W004`), like SILENCED_SYSTEM_CHECKS
        /// but kept in the desired state.
        public var ignore: [String] = []
        public var position = DjangoSpec.noPosition
    }

    public var runner: Runner
    public var settingsModule: String
    public var settings: [Setting] = []
    public var mediaServedByDjango: Bool?
    public var mediaPosition: SourcePosition?
    public var consoleLogging: ConsoleLogging?
    public var deployCheck: DeployCheck?
    public var timeoutMilliseconds = 30_000
    public var position = DjangoSpec.noPosition
    /// The runner's fields that execute something (the interpreter or the container) and
    /// its `env` keys, each where it is written, for `reconcile validate`.
    public var trustFields: [TrustField] = []

    /// The position of specs built in code (tests): no file, line 1.
    public static let noPosition = SourcePosition(file: "-", line: 1, column: 1)

    static let containerName = StringFormat.pattern(
        "[a-zA-Z0-9][a-zA-Z0-9_.-]*", hint: "a container name (letters, digits, '_', '.', '-')")
    static let environmentShape = ManifestShape.dictionary(.string())
    static let containerObject = ManifestObject([
        .required("name", .string(containerName), "The container's name or id."),
        .optional(
            "endpoint", .string(.url(schemes: ["unix", "tcp", "http", "https"])),
            "The Docker engine (default: $DOCKER_HOST, then the default socket)."),
        .optional("python", .string(.nonEmpty), "The interpreter in the container (default python3)."),
        .optional("workdir", .string(.absolutePath), "The directory the project is imported from (default: the image's WORKDIR)."),
        .optional("env", environmentShape, "Added to the container's environment for this run."),
    ])
    static let localObject = ManifestObject([
        .required("python", .string(.nonEmpty), "Usually the project virtualenv's bin/python."),
        .required("workdir", .string(.nonEmpty), "The project directory (where manage.py is)."),
        .optional("env", environmentShape, "Added to reconcile's environment for this run."),
    ])
    static let runnerObject = ManifestObject(
        [
            .optional("container", .either([.string(containerName), .object(containerObject)]), "docker exec into this container."),
            .optional("local", .object(localObject), "A local interpreter in the project directory."),
        ],
        exclusive: [
            ExclusiveKeys(
                ["container", "local"], conflict: "give exactly one of container: NAME or local: {python, workdir}",
                missing: "give exactly one of container: NAME or local: {python, workdir}")
        ])
    static let loggerName = StringFormat.pattern(
        "[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*", hint: "a Python logger name (like rims.workflow, or root)")
    static let consoleObject = ManifestObject([
        .required(
            "loggers", .list(.string(loggerName)), "The loggers whose records must reach stdout or stderr (root is the root logger)."),
        .optional(
            "level", .string(.choice(of: CheckLevel.self)),
            "The level of the record that must get through handler and logger levels and filters (default WARNING)."),
        .optional(
            "prove", .boolean,
            "Also send one probe record per logger through its console handlers in the container and find it in the "
                + "container's log (GET /containers/{id}/logs); writes that line to the log. Container runner only."),
    ])
    static let deployCheckObject = ManifestObject([
        .optional("fail_level", .string(.choice(of: CheckLevel.self)), "Messages at this level or above are drift (default WARNING)."),
        .optional("ignore", .list(.string(.nonEmpty)), "Check ids accepted on purpose (security.W004)."),
    ])
    static let object = ManifestObject([
        .required("runner", .object(runnerObject), "How the project's own Python is run."),
        .required(
            "settings_module",
            .string(.pattern("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*", hint: "a Python module path (like project.settings)")),
            "DJANGO_SETTINGS_MODULE."),
        .optional("settings", .dictionary(.anyValue), "UPPER_CASE settings and their values, compared by typed equality."),
        .optional("media_served_by_django", .boolean, "Whether MEDIA_URL may resolve in the URLconf."),
        .optional(
            "console_logging", .either([.boolean, .object(consoleObject)]),
            "Whether records of these loggers reach a handler on stdout or stderr, judged with the desired DEBUG: "
                + "true means the root and django loggers at WARNING, false that they do not reach it."),
        .optional("deploy_check", .object(deployCheckObject), "manage.py check --deploy must pass."),
        .optional("timeout_ms", .integer(100...600_000), "How long the introspection may take (default 30000)."),
    ])

}

extension DjangoSpec.ConsoleLogging {
    /// `true` / `false`, the short forms.
    public init(booleanLiteral value: Bool) {
        self.init(wanted: value)
    }
}

extension DjangoSpec {
    public init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        position = node.position
        (runner, trustFields) = try Self.runner(from: try map.required("runner"))
        settingsModule = try map.required("settings_module").string()
        settings = try (map.optional("settings")?.entries() ?? []).map { entry in
            guard entry.key.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else {
                throw entry.keyNode.error("Django settings are UPPER_CASE; '\(entry.key)' would never be read")
            }
            guard !SecretName.looksSecret(entry.key) else {
                throw entry.keyNode.error(
                    "'\(entry.key)' looks secret (its name contains \(SecretName.described)), so reconcile "
                        + "never reads its value and cannot compare it; a weak or missing SECRET_KEY is reported "
                        + "by deploy_check (security.W009)")
            }
            return Setting(name: entry.key, value: try entry.value.value(), position: entry.keyNode.position)
        }
        let media = map.optional("media_served_by_django")
        mediaServedByDjango = try media?.bool()
        mediaPosition = media?.position
        consoleLogging = try map.optional("console_logging").map(Self.consoleLogging)
        if consoleLogging?.prove == true, case .local = runner {
            throw (map.optional("console_logging") ?? node).error(
                "prove reads the container's log: it needs runner.container, not runner.local")
        }
        if let check = map.optional("deploy_check") {
            let checkMap = try check.mapping(Self.deployCheckObject)
            deployCheck = DeployCheck(
                failLevel: try checkMap.optional("fail_level")?.choice(CheckLevel.self) ?? .WARNING,
                ignore: try checkMap.optional("ignore")?.stringList() ?? [], position: check.position)
        } else {
            deployCheck = nil
        }
        timeoutMilliseconds = try map.optional("timeout_ms")?.int() ?? 30_000
    }

    /// `console_logging: true|false`, or `{loggers: [...], level: INFO}`.
    static func consoleLogging(from node: ManifestNode) throws -> ConsoleLogging {
        guard node.isMapping else { return ConsoleLogging(wanted: try node.bool(), position: node.position) }
        let map = try node.mapping(consoleObject)
        let loggersNode = try map.required("loggers")
        let loggers = try loggersNode.stringList()
        guard !loggers.isEmpty else { throw loggersNode.error("name at least one logger (root is the root logger)") }
        return ConsoleLogging(
            loggers: loggers, level: try map.optional("level")?.choice(CheckLevel.self) ?? .WARNING,
            prove: try map.optional("prove")?.bool() ?? false, position: node.position)
    }

    /// The runner, and the fields of it that execute something (the interpreter or the
    /// container) and its `env` keys, each where it is written, for `reconcile validate`.
    static func runner(from node: ManifestNode) throws -> (Runner, [TrustField]) {
        let runnerMap = try node.mapping(runnerObject)
        if let local = runnerMap.optional("local") {
            let map = try local.mapping(localObject)
            let pythonNode = try map.required("python")
            let python = try pythonNode.string()
            return (
                .local(
                    LocalRunner(
                        python: python, workdir: try map.required("workdir").string(), environment: try environment(map))),
                [TrustField(.interpreter(python), at: pythonNode)] + (try environmentFields(map))
            )
        }
        let container = try runnerMap.required("container")
        guard container.isMapping else {
            let name = try container.string()
            return (
                .container(ContainerRunner(name: name)),
                [TrustField(.container(name), at: container), TrustField(.containerInterpreter("python3"), at: container)]
            )
        }
        let map = try container.mapping(containerObject)
        let endpoint = try DockerSpec.endpoint(map.optional("endpoint"))
        let nameNode = try map.required("name")
        let name = try nameNode.string()
        let pythonNode = map.optional("python")
        let python = try pythonNode?.string() ?? "python3"
        return (
            .container(
                ContainerRunner(
                    name: name, endpoint: endpoint, python: python, workdir: try map.optional("workdir")?.string(),
                    environment: try environment(map))),
            [TrustField(.container(name), at: nameNode), TrustField(.containerInterpreter(python), at: pythonNode ?? nameNode)]
                + (try environmentFields(map))
        )
    }

    /// Each key of a runner's `env`, where it is written.
    static func environmentFields(_ map: ManifestMapping) throws -> [TrustField] {
        try (map.optional("env")?.entries() ?? []).map { TrustField(.childEnvironment($0.key), at: $0.keyNode) }
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

}
