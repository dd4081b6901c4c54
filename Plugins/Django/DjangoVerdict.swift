import ReconcileKit

/// The pure half of the Django checker: the manifest's `django:` section against what
/// the project resolved, one finding per expectation, each drift with its repair.
enum DjangoVerdict {
    static let checker = DjangoChecker.identifier

    static func findings(_ spec: DjangoSpec, _ observation: DjangoObservation) -> [Finding] {
        switch observation.outcome {
        case .failed(let failure):
            return [unobservable(spec, failure, runner: observation.runner)]
        case .introspected(let introspection):
            var findings = spec.settings.map { setting(spec, $0, introspection) }
            if let expected = spec.mediaServedByDjango {
                findings.append(media(spec, expected: expected, introspection))
            }
            if let console = spec.consoleLogging {
                findings += console.loggers.map {
                    consoleLogging(spec, console, logger: $0, introspection, proof: observation.consoleLog)
                }
            }
            if let deployCheck = spec.deployCheck {
                findings += deployChecks(spec, deployCheck, introspection)
            }
            return findings
        }
    }

    // MARK: The project could not be read

    /// One `unknown` finding for the whole section: nothing was observed, so nothing is
    /// judged, and nothing passes.
    static func unobservable(_ spec: DjangoSpec, _ failure: RunFailure, runner: String) -> Finding {
        let location = failure.location.map { " at \($0)" } ?? ""
        return Finding(
            checker: checker, resource: spec.settingsModule, status: .unknown, severity: .error,
            expected: "the settings of \(spec.settingsModule), read with \(runner)",
            observed: failure.message + location,
            message: "could not read the Django settings (\(what(failure.kind))): \(failure.message)\(location)",
            fix: Fix(summary: failure.hint ?? hint(for: failure, spec: spec)), position: spec.position)
    }

    static func what(_ kind: RunFailure.Kind) -> String {
        switch kind {
        case .interpreterMissing: "no interpreter"
        case .workdirMissing: "no project directory"
        case .spawnFailed: "Python did not start"
        case .timedOut: "timed out"
        case .djangoMissing: "Django is not installed there"
        case .settingsFailed: "the settings fail to load"
        case .scriptFailed: "Python failed"
        case .engineUnavailable: "Docker engine unavailable"
        case .containerMissing: "no such container"
        case .containerNotRunning: "container not running"
        case .refusedByPolicy: "refused by the run's policy"
        case .notAllowed: "not allowed by the operator config"
        }
    }

    static func hint(for failure: RunFailure, spec: DjangoSpec) -> String {
        let isContainer: Bool
        if case .container = spec.runner { isContainer = true } else { isContainer = false }
        switch failure.kind {
        case .interpreterMissing:
            return isContainer
                ? "Set runner.container.python to the interpreter inside the container that runs the app (e.g. "
                    + "/app/.venv/bin/python or python3 on the image's PATH)."
                : "Point runner.local.python at the interpreter that runs the app (usually the project "
                    + "virtualenv's bin/python)."
        case .workdirMissing:
            return "Point runner.local.workdir at the project directory (where manage.py is)."
        case .spawnFailed:
            return "Check that the interpreter is executable by the user running reconcile."
        case .timedOut:
            return "Loading the settings took longer than timeout_ms (\(spec.timeoutMilliseconds) ms): something "
                + "blocks at import (a network call, a database connection in settings). Fix that or raise timeout_ms."
        case .djangoMissing:
            return "This interpreter cannot import Django: point the runner at the interpreter of the environment "
                + "the app runs in (its virtualenv), or install the project's requirements there."
        case .settingsFailed:
            let top = spec.settingsModule.split(separator: ".").first.map(String.init) ?? spec.settingsModule
            if failure.message.contains("No module named '\(top)'")
                || failure.message.contains("No module named '\(spec.settingsModule)'")
            {
                return "Python cannot find \(spec.settingsModule): check settings_module and that the runner's "
                    + "workdir is the project directory (the one that contains \(top)/)."
            }
            return "The project fails to load its settings, so the app itself would fail to start the same way: "
                + "fix the error above (a missing package, an environment variable the settings require)."
        case .scriptFailed:
            return "Python ran but could not complete the introspection; run the interpreter by hand in the project "
                + "directory to see the full error (reconcile needs Python 3.8 or newer)."
        case .engineUnavailable:
            return "Check that the Docker engine is reachable at the runner's endpoint."
        case .containerMissing:
            return "Start the app's container, or correct runner.container (docker ps -a lists the names)."
        case .containerNotRunning:
            return "Start the container (docker start NAME); its settings can only be read while it runs."
        case .refusedByPolicy:
            return "This run may not execute commands in containers."
        case .notAllowed:
            return "Ask the host's operator to allow it in the operator config (reconcile --config, default "
                + "\(OperatorConfig.defaultPath)), or change the runner to one it allows; `reconcile validate` lists "
                + "what the config must say."
        }
    }

    /// `finding` as unknown, saying why (and what was seen, when something was).
    static func unknown(_ finding: Finding, _ message: String, observed: String? = nil) -> Finding {
        var finding = finding
        finding.status = .unknown
        finding.observed = observed ?? finding.observed
        finding.message = message
        return finding
    }

    // MARK: Settings

    static func setting(_ spec: DjangoSpec, _ setting: DjangoSpec.Setting, _ introspection: Introspection) -> Finding {
        var finding = Finding(
            checker: checker, resource: setting.name, status: .drift, severity: severity(of: setting),
            expected: setting.value.description, message: "", position: setting.position)
        guard let report = introspection.settings?[setting.name] else {
            return unknown(finding, "the introspection did not report \(setting.name)")
        }
        if let error = report.error {
            return unknown(finding, "reading \(setting.name) raised \(error.lastLine)", observed: error.lastLine)
        }
        if report.missing {
            finding.observed = "not defined"
            finding.message = "\(setting.name) is not defined by the project (and Django has no default for it)"
            finding.fix = DjangoFixes.setting(setting, report: report, introspection: introspection)
            return finding
        }
        guard let value = report.value else {
            return unknown(finding, "the introspection reported no value for \(setting.name)")
        }
        finding.observed = value.description
        let origin = origin(of: report)
        if value.matches(setting.value, asPath: comparesAsPath(setting.name)) {
            finding.status = .ok
            finding.severity = .info
            finding.message = "\(setting.name) is \(value)\(origin)"
            return finding
        }
        finding.message = "\(setting.name) is \(value)\(origin), expected \(setting.value)"
        finding.fix = DjangoFixes.setting(setting, report: report, introspection: introspection)
        return finding
    }

    /// Settings that hold filesystem paths by Django's naming (`MEDIA_ROOT`, `STATIC_ROOT`,
    /// `BASE_DIR`, `STATICFILES_DIRS`, `LOCALE_PATHS`, `FILE_UPLOAD_TEMP_DIR`, …): their
    /// strings compare as paths. URL prefixes (`MEDIA_URL`) do not: Django requires
    /// their trailing slash.
    static func comparesAsPath(_ name: String) -> Bool {
        ["_ROOT", "_DIR", "_DIRS", "_PATH", "_PATHS"].contains { name.hasSuffix($0) }
    }

    /// `DEBUG` on in production exposes settings and tracebacks: the worst drift here.
    static func severity(of setting: DjangoSpec.Setting) -> Severity {
        setting.name == "DEBUG" && setting.value == .bool(false) ? .critical : .error
    }

    /// " (from $DJANGO_DEBUG)" / " (Django's default)", for messages.
    static func origin(of report: Introspection.SettingReport) -> String {
        if let env = report.source?.env, !env.isEmpty {
            return " (from " + env.map { "$\($0)" }.joined(separator: ", ") + ")"
        }
        if report.overridden == false { return " (Django's default)" }
        return ""
    }

    // MARK: Media

    static func media(_ spec: DjangoSpec, expected: Bool, _ introspection: Introspection) -> Finding {
        var finding = Finding(
            checker: checker, resource: "media_served_by_django", status: .drift, severity: .error,
            expected: expected ? "MEDIA_URL routed to a Django view" : "MEDIA_URL not routed by Django",
            message: "", position: spec.mediaPosition ?? spec.position)
        guard let media = introspection.media else {
            return unknown(finding, "the introspection did not report the media routing")
        }
        if let error = media.error {
            finding.status = .unknown
            finding.observed = error.lastLine
            finding.message =
                "the URLconf could not be loaded to resolve \(media.probe ?? media.url): \(error.lastLine)"
                + (error.location.map { " at \($0)" } ?? "")
            finding.fix = Fix(summary: "The URLconf fails to import, so the app fails on every request: fix the error.")
            return finding
        }
        let served = media.resolves == true
        if served {
            let route = media.route.map { " (pattern \($0))" } ?? ""
            finding.observed = "\(media.probe ?? media.url) resolves to \(media.view ?? "a view")\(route)"
        } else if media.external == true {
            finding.observed = "MEDIA_URL \(media.url) is another host; Django does not route it"
        } else {
            finding.observed = "\(media.probe ?? media.url) does not resolve"
        }
        if served == expected {
            finding.status = .ok
            finding.severity = .info
            finding.message =
                served
                ? "Django serves MEDIA_URL \(media.url) (\(media.view ?? "a view"))"
                : "Django does not route MEDIA_URL \(media.url)"
            return finding
        }
        if served {
            let because = media.staticHelper == true ? " because DEBUG is on (static() makes the route only then)" : ""
            finding.message =
                "Django routes MEDIA_URL \(media.url) to \(media.view ?? "a view")\(because), so uploads are "
                + "served by the app instead of the web server"
        } else {
            finding.message = "MEDIA_URL \(media.url) is not routed by Django, but the manifest expects Django to serve it"
        }
        finding.fix = DjangoFixes.media(servedNow: served, media: media, debugOff: debugOff(spec, introspection))
        return finding
    }

    /// How to turn DEBUG off: the DEBUG finding's own fix when the manifest wants DEBUG
    /// false (the environment variable and value it names), else the settings line.
    static func debugOff(_ spec: DjangoSpec, _ introspection: Introspection) -> Fix {
        if let debug = spec.settings.first(where: { $0.name == "DEBUG" }), debug.value == .bool(false),
            let report = introspection.settings?["DEBUG"], report.error == nil, !report.missing
        {
            return DjangoFixes.setting(debug, report: report, introspection: introspection)
        }
        return Fix(summary: "Set DEBUG = False in the settings the app runs with.", snippet: "DEBUG = False", language: "python")
    }

    // MARK: Deployment checks

    static func deployChecks(
        _ spec: DjangoSpec, _ deployCheck: DjangoSpec.DeployCheck, _ introspection: Introspection
    ) -> [Finding] {
        let summaryResource = "deploy_check"
        guard let report = introspection.checks else {
            return [
                Finding(
                    checker: checker, resource: summaryResource, status: .unknown, severity: .error,
                    message: "the introspection did not report Django's checks", position: deployCheck.position)
            ]
        }
        if let error = report.error {
            return [
                Finding(
                    checker: checker, resource: summaryResource, status: .unknown, severity: .error,
                    observed: error.lastLine,
                    message: "Django's checks could not run: \(error.lastLine)" + (error.location.map { " at \($0)" } ?? ""),
                    fix: Fix(summary: "`manage.py check --deploy` fails the same way: fix the error it reports."),
                    position: deployCheck.position)
            ]
        }
        let messages = report.messages ?? []
        let failLevel = deployCheck.failLevel
        var findings: [Finding] = []
        var ignored: [String] = []
        var below = 0
        for message in messages {
            let id = message.id ?? "(no id)"
            if deployCheck.ignore.contains(id) || message.silenced {
                ignored.append(id)
                continue
            }
            let level = DjangoSpec.CheckLevel(number: message.level)
            guard level >= failLevel else {
                below += 1
                continue
            }
            findings.append(
                Finding(
                    checker: checker, resource: id, status: .drift, severity: severity(of: level),
                    expected: "not reported (fail_level \(failLevel.rawValue))",
                    observed: "reported at \(level.rawValue)" + (message.object.map { " for \($0)" } ?? ""),
                    message: message.message + (message.object.map { " (\($0))" } ?? ""),
                    fix: DjangoFixes.deployCheck(message, spec: spec), position: deployCheck.position))
        }
        if findings.isEmpty {
            var notes: [String] = []
            if !ignored.isEmpty { notes.append("ignored: \(ignored.sorted().joined(separator: ", "))") }
            if below > 0 { notes.append("\(below) below \(failLevel.rawValue)") }
            let stale = deployCheck.ignore.filter { id in !messages.contains { $0.id == id } }
            if !stale.isEmpty { notes.append("no longer reported: \(stale.joined(separator: ", "))") }
            findings.append(
                Finding(
                    checker: checker, resource: summaryResource, status: .ok, severity: .info,
                    expected: "no check at \(failLevel.rawValue) or above",
                    observed: "\(messages.count) message\(messages.count == 1 ? "" : "s")",
                    message: "no deployment check at \(failLevel.rawValue) or above"
                        + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))"),
                    position: deployCheck.position))
        }
        return findings
    }

    static func severity(of level: DjangoSpec.CheckLevel) -> Severity {
        switch level {
        case .DEBUG, .INFO: .info
        case .WARNING: .warning
        case .ERROR: .error
        case .CRITICAL: .critical
        }
    }
}
