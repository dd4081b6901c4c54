import ReconcileKit

/// `console_logging`, judged the way production runs: one finding per named logger,
/// from the route the introspection traced for a record at the wanted level with DEBUG
/// as the manifest wants it. A logger that reaches the console only because DEBUG is
/// wrongly on is drift, and the finding says that fixing DEBUG will silence it.
extension DjangoVerdict {
    static func consoleLogging(
        _ spec: DjangoSpec, _ console: DjangoSpec.ConsoleLogging, logger: String, _ introspection: Introspection,
        proof: ConsoleLogProof? = nil
    ) -> Finding {
        let level = console.level.rawValue
        let who = logger == "root" ? "the root logger" : "logger \(logger)"
        var finding = Finding(
            checker: checker, resource: "console_logging:\(logger)", status: .drift, severity: .error,
            expected: console.wanted
                ? "\(level) records of \(who) reach stdout or stderr" : "\(who) writes nothing to stdout or stderr",
            message: "", position: console.position)
        guard let report = introspection.console, let traces = report.loggers[logger] else {
            return unknown(finding, "the introspection did not trace \(who)")
        }
        let desired = traces.desired
        let debug = "DEBUG \(report.desiredDebug ? "on" : "off")"
        finding.observed = observed(desired) + " (\(debug))"
        if desired.reaches == console.wanted {
            finding.status = .ok
            finding.severity = .info
            finding.message =
                console.wanted
                ? "\(level) records of \(who) reach the console through \(writers(desired))"
                : "\(who) writes nothing to stdout or stderr, as expected"
            if console.wanted && console.prove {
                proven(&finding, logger: logger, sent: report.proof?[logger], proof: proof)
            }
            return finding
        }
        let settings = introspection.settingsFile ?? "the settings"
        guard console.wanted else {
            finding.message =
                "\(level) records of \(who) reach the console through \(writers(desired)), but the manifest "
                + "wants no console output from it"
            finding.fix = Fix(
                summary: "Remove the console handler from \(who)'s way in LOGGING in \(settings), or set console_logging "
                    + "to name the loggers that should write to the console.")
            return finding
        }
        let reasons = why(desired).joined(separator: "; ")
        if let live = traces.live, live.reaches {
            finding.message =
                "\(level) records of \(who) reach the console now only because DEBUG is "
                + "\(report.liveDebug ? "on" : "off"): with \(debug), as the manifest wants, \(reasons). Fixing DEBUG "
                + "will silence these logs"
        } else {
            finding.message = "\(level) records of \(who) never reach stdout or stderr: \(reasons)"
        }
        finding.fix = DjangoFixes.consoleLogging(console, route: desired, settingsFile: introspection.settingsFile)
        return finding
    }

    /// `prove`: the probe record sent through the logger's console handlers must show in
    /// the container's log. Not shown is drift (the runtime does not collect what the
    /// process writes); not sent or not readable is `unknown`, never `ok`.
    static func proven(
        _ finding: inout Finding, logger: String, sent: Introspection.ConsoleReport.Proof?, proof: ConsoleLogProof?
    ) {
        guard let sent, !sent.written.isEmpty else {
            finding.status = .unknown
            finding.severity = .warning
            finding.message +=
                "; not proven: "
                + (sent?.error.map { "the probe record could not be sent: \($0.lastLine)" }
                    ?? "with the DEBUG it runs with now, no console handler takes the probe record")
            return
        }
        let streams = Set(sent.written).sorted().joined(separator: " and ")
        guard let proof, proof.problem == nil else {
            finding.status = .unknown
            finding.severity = .warning
            finding.message += "; not proven: the container's log could not be read: \(proof?.problem ?? "it was not read")"
            return
        }
        if proof.seen.contains(logger) {
            finding.message += "; its probe record appeared in the container's log (\(streams))"
            finding.observed = (finding.observed ?? "") + "; proven in the container's log"
            return
        }
        finding.status = .drift
        finding.severity = .error
        finding.message =
            "the console handlers of \(logger) wrote a probe record to the main process's \(streams), but it never "
            + "appeared in the container's log: what the container runtime collects is not that process's output"
        finding.fix = Fix(
            summary: "Run the app as the container's main process with stdout and stderr left to the runtime (no "
                + "redirect to a file or /dev/null; a process manager must forward its children's output), e.g. "
                + "gunicorn with --access-logfile - --error-logfile -.")
    }

    /// The handlers that write the record to the console: `root.console (logging.StreamHandler, stderr)`.
    static func writers(_ route: Introspection.Route) -> String {
        route.handlers.filter { $0.outcome == "console" }.map(name).joined(separator: ", ")
    }

    /// `django.console (logging.StreamHandler, stderr)`, or Python's last resort.
    static func name(_ handler: Introspection.HandlerRoute) -> String {
        if handler.lastResort == true { return "Python's last-resort handler (stderr, WARNING and above)" }
        let label = [handler.logger, handler.name].compactMap { $0 }.joined(separator: ".")
        return "\(label.isEmpty ? "a handler" : label) (\(handler.className)\(handler.stream.map { ", \($0)" } ?? ""))"
    }

    /// Each handler on the way and what it did with the record, for `observed`.
    static func observed(_ route: Introspection.Route) -> String {
        var parts: [String] = []
        if let blocked = route.blocked { parts.append("dropped by the logger: " + text(blocked)) }
        parts += route.handlers.map { "\(name($0)): \(outcome($0))" }
        if route.handlers.isEmpty { parts.append("no handlers") }
        return parts.joined(separator: "; ")
    }

    static func outcome(_ handler: Introspection.HandlerRoute) -> String {
        switch handler.outcome {
        case "console": "writes"
        case "elsewhere": handler.kind == "file" ? "writes to a file" : "writes elsewhere"
        case "level": "level \(handler.level)"
        case "error": "its filter raised \(handler.filter?.error?.lastLine ?? "an error")"
        default: "dropped by \(handler.filter?.className ?? "a filter")"
        }
    }

    /// Why no handler writes the record to the console, one clause per cause.
    static func why(_ route: Introspection.Route) -> [String] {
        if let blocked = route.blocked { return ["the logger drops the record: " + text(blocked)] }
        var reasons = route.handlers.map { handler -> String in
            switch handler.outcome {
            case "level": return "\(name(handler)) takes only \(handler.level) and above"
            case "elsewhere": return "\(name(handler)) does not write to stdout or stderr"
            case "error": return "\(name(handler))'s filter raised \(handler.filter?.error?.lastLine ?? "an error")"
            default:
                let filter = handler.filter?.className ?? "a filter"
                switch handler.filter?.requiresDebug {
                case true?: return "\(name(handler)) is muted by \(filter), which passes records only while DEBUG is on"
                case false?: return "\(name(handler)) is muted by \(filter), which passes records only while DEBUG is off"
                case nil: return "\(name(handler)) is muted by its filter \(filter)"
                }
            }
        }
        if route.handlers.isEmpty { reasons.append("no handler on the way to the root logger") }
        if let stop = route.stopsAt { reasons.append("propagation stops at \(stop) (propagate: False)") }
        return reasons
    }

    static func text(_ blocked: Introspection.Route.Blocked) -> String {
        switch blocked.by {
        case "disable": "logging.disable(\(blocked.detail ?? "?")) is in effect"
        case "disabled":
            "it is disabled (it existed before LOGGING was applied, and LOGGING does not set "
                + "\"disable_existing_loggers\": False)"
        case "level": "its effective level is \(blocked.detail ?? "?")"
        default: "its filter \(blocked.filter?.className ?? "?") drops it"
        }
    }
}
