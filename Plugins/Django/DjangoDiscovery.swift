import ReconcileKit

/// `reconcile discover --django-container NAME | --django-python PATH --django-workdir DIR`:
/// the settings the project really runs with, read by the checker's own introspection,
/// written back as the `django:` section: DEBUG, MEDIA_ROOT, MEDIA_URL, ALLOWED_HOSTS,
/// whether Django routes MEDIA_URL, whether logs reach the console, and the deployment
/// checks that fire today (as `ignore:`, each named in a comment, for a person to fix
/// or accept). Secret settings are never read, so never written.
extension DjangoChecker: Discovering {
    /// The settings discover writes.
    static let discoveredSettings = ["DEBUG", "MEDIA_ROOT", "MEDIA_URL", "ALLOWED_HOSTS"]

    public func discover(_ request: DiscoveryRequest, earlier: Discoveries, in context: ObservationContext) async throws
        -> DjangoObservation?
    {
        guard let runner = try Self.runner(request) else { return nil }
        guard let module = request.settingsModule else {
            throw DiscoveryFailure("--settings-module is needed to read the Django settings (DJANGO_SETTINGS_MODULE)")
        }
        let spec = DjangoSpec(
            runner: runner, settingsModule: module,
            settings: Self.discoveredSettings.map { DjangoSpec.Setting(name: $0, value: .null) },
            consoleLogging: DjangoSpec.ConsoleLogging(), deployCheck: DjangoSpec.DeployCheck())
        return try await observe(spec, in: context)
    }

    /// The runner the request names, nil when it names none.
    static func runner(_ request: DiscoveryRequest) throws -> DjangoSpec.Runner? {
        if let name = request.djangoContainer {
            // With a container, --django-python and --django-workdir are inside it.
            var runner = DjangoSpec.ContainerRunner(name: name, endpoint: request.dockerEndpoint, workdir: request.djangoWorkdir)
            if let python = request.djangoPython { runner.python = python }
            return .container(runner)
        }
        guard let python = request.djangoPython else { return nil }
        guard let workdir = request.djangoWorkdir else {
            throw DiscoveryFailure("--django-python needs --django-workdir (the project directory, where manage.py is)")
        }
        return .local(DjangoSpec.LocalRunner(python: python, workdir: workdir))
    }

    public func describe(_ observation: DjangoObservation, request: DiscoveryRequest, earlier: Discoveries)
        -> DiscoveredSection
    {
        guard let runner = try? Self.runner(request), let module = request.settingsModule else {
            return .unobserved("no Django runner was named")
        }
        let introspection: Introspection
        switch observation.outcome {
        case .failed(let failure):
            let hint =
                failure.kind == .djangoMissing || failure.kind == .interpreterMissing
                ? " (name the interpreter that runs the app, and the project directory, with --django-python and --django-workdir)"
                : ""
            return .unobserved(
                "could not read the Django settings with \(observation.runner): \(failure.message)"
                    + (failure.location.map { " at \($0)" } ?? "") + hint)
        case .introspected(let report):
            introspection = report
        }
        var gaps: [String] = []
        var entries = [YAMLEntry("runner", Self.runnerNode(runner)), YAMLEntry("settings_module", .string(module))]
        var settings: [YAMLEntry] = []
        for name in Self.discoveredSettings {
            guard let report = introspection.settings?[name], !report.hidden, let value = report.value else {
                gaps.append("\(name) was not reported")
                continue
            }
            guard let node = Self.node(value) else {
                gaps.append("\(name) is \(value), which is not plain data")
                continue
            }
            var notes: [String] = []
            if name == "DEBUG", introspection.debug == true {
                // Django asks `if settings.DEBUG`: the string "False" is on too.
                let what = value == .bool(true) ? "on" : "\(value), which Django reads as on (any value Python takes as true)"
                notes.append("CONFIRM: DEBUG is \(what); production should run with DEBUG = False (then write false here)")
            }
            if report.overridden == false { notes.append("Django's default: the settings do not set it") }
            settings.append(YAMLEntry(name, node, comments: notes))
        }
        entries.append(YAMLEntry("settings", .map(settings)))
        if let media = introspection.media, media.error == nil, let resolves = media.resolves {
            entries.append(
                YAMLEntry(
                    "media_served_by_django", .bool(resolves),
                    comments: resolves
                        ? ["CONFIRM: Django routes MEDIA_URL itself (static() under DEBUG?); in production Caddy should"] : []))
        } else {
            gaps.append("whether Django routes MEDIA_URL could not be read")
        }
        if let console = Self.consoleLogging(introspection) {
            entries.append(console)
        } else {
            gaps.append("the route of a log record to the console could not be traced")
        }
        if let checks = introspection.checks, checks.error == nil {
            let firing = (checks.messages ?? []).filter { !$0.silenced && DjangoSpec.CheckLevel(number: $0.level) >= .WARNING }
            var ids: [String] = []
            for message in firing where !ids.contains(message.id ?? "(no id)") { ids.append(message.id ?? "(no id)") }
            let notes = firing.map { message in
                "\(message.id ?? "(no id)"): \(message.message.split(separator: "\n").first.map(String.init) ?? "")"
            }
            entries.append(
                YAMLEntry(
                    "deploy_check", .map([YAMLEntry("fail_level", .string("WARNING")), YAMLEntry("ignore", .strings(ids))]),
                    comments: ids.isEmpty
                        ? ["no deployment check fires at WARNING or above"]
                        : ["CONFIRM: these deployment checks fire now; fix each and remove it from ignore, or accept it:"] + notes))
        } else {
            gaps.append("Django's deployment checks could not run")
        }
        return DiscoveredSection(
            value: .map(entries),
            comments: [
                "Django: the settings \(module) resolves to, read with \(observation.runner).",
                "Secret settings (SECRET_KEY, passwords) are never read and never written.",
            ],
            gaps: gaps)
    }

    /// `console_logging`, from the routes the introspection traced for the short form's
    /// loggers (root and django, at WARNING) with DEBUG as it is: `true` when both reach
    /// stdout or stderr, `false` when neither does, else the loggers that do.
    static func consoleLogging(_ introspection: Introspection) -> YAMLEntry? {
        let loggers = DjangoSpec.ConsoleLogging.shortFormLoggers
        guard let traces = introspection.console?.loggers, loggers.allSatisfy({ traces[$0] != nil }) else { return nil }
        let reaching = loggers.filter { traces[$0]!.desired.reaches }
        let silent = loggers.filter { !reaching.contains($0) }
        let confirm =
            "CONFIRM: WARNING records of \(silent.joined(separator: " and ")) never reach stdout or stderr, so they never reach the container's log"
        if reaching.count == loggers.count { return YAMLEntry("console_logging", .bool(true)) }
        if reaching.isEmpty { return YAMLEntry("console_logging", .bool(false), comments: [confirm]) }
        return YAMLEntry(
            "console_logging",
            .map([YAMLEntry("loggers", .strings(reaching)), YAMLEntry("level", .string(DjangoSpec.CheckLevel.WARNING.rawValue))]),
            comments: [confirm])
    }

    static func runnerNode(_ runner: DjangoSpec.Runner) -> YAMLNode {
        switch runner {
        case .container(let container):
            var fields = [YAMLEntry("name", .string(container.name))]
            if let endpoint = container.endpoint { fields.append(YAMLEntry("endpoint", .string(endpoint))) }
            if container.python != "python3" { fields.append(YAMLEntry("python", .string(container.python))) }
            if let workdir = container.workdir { fields.append(YAMLEntry("workdir", .string(workdir))) }
            return .map([YAMLEntry("container", fields.count == 1 ? .string(container.name) : .map(fields))])
        case .local(let local):
            return .map([
                YAMLEntry(
                    "local", .map([YAMLEntry("python", .string(local.python)), YAMLEntry("workdir", .string(local.workdir))]))
            ])
        }
    }

    /// A setting's value as YAML; nil for what is not data (a secret, an object).
    static func node(_ value: DjangoValue) -> YAMLNode? {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .int(number)
        case .double(let number): return .double(number)
        case .string(let text): return .string(text)
        case .list(let items):
            let nodes = items.compactMap(node)
            return nodes.count == items.count ? .list(nodes) : nil
        case .map(let entries):
            let nodes = entries.sorted { $0.key < $1.key }.compactMap { entry in node(entry.value).map { YAMLEntry(entry.key, $0) } }
            return nodes.count == entries.count ? .map(nodes) : nil
        case .hidden, .opaque: return nil
        }
    }
}
