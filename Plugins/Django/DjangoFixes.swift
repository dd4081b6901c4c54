import ReconcileKit

/// The concrete repairs: a settings.py line, the environment variable value that gives
/// the wanted setting, the urls.py guard around `static()`, a LOGGING dict, the setting
/// a deployment check asks for. Pure functions of the expectation and the observation.
enum DjangoFixes {
    // MARK: Settings

    static func setting(
        _ setting: DjangoSpec.Setting, report: Introspection.SettingReport, introspection: Introspection
    ) -> Fix {
        let line = "\(setting.name) = \(pythonLiteral(setting.value))"
        let file = report.source?.file ?? introspection.settingsFile ?? "the settings module"
        if let source = report.source, !source.env.isEmpty {
            let variables = source.env.map { "$\($0)" }.joined(separator: ", ")
            let statement = source.statement.map { ": `\($0)`" } ?? ""
            let place = "\(source.file):\(source.line)"
            if let envFix = source.envFix {
                let assignment = envFix.unset == true ? "unset \(envFix.name)" : "\(envFix.name)=\(ShellWord.quoted(envFix.value ?? ""))"
                let action =
                    envFix.unset == true
                    ? "remove \(envFix.name) from the environment the app runs with"
                    : "set \(envFix.name) to \(envFix.value.map { "'\($0)'" } ?? "''") in the environment the app runs with"
                return Fix(
                    summary: "\(setting.name) is read from \(variables) at \(place)\(statement). To get "
                        + "\(setting.value), \(action) (compose `environment:`, the unit's Environment=, the "
                        + "container's env), then restart the app.\(manifestNote(envFix))",
                    snippet: assignment, language: "shell")
            }
            return Fix(
                summary: "\(setting.name) is read from \(variables) at \(place)\(statement). Change that variable "
                    + "where the app is started so the setting becomes \(setting.value), or replace the line with the "
                    + "fixed value below.",
                snippet: line, language: "python")
        }
        if report.missing {
            return Fix(summary: "Define \(setting.name) in \(file).", snippet: line, language: "python")
        }
        if let source = report.source {
            return Fix(
                summary: "Change the assignment at \(source.file):\(source.line) in the settings the app runs with.",
                snippet: line, language: "python")
        }
        if report.overridden == false {
            return Fix(
                summary: "\(setting.name) is Django's default; set it in \(file).", snippet: line, language: "python")
        }
        return Fix(summary: "Set \(setting.name) in \(file).", snippet: line, language: "python")
    }

    /// What the manifest's own value for the variable means for the fix: it is that value
    /// (nothing else to change), or it contradicts the setting (change it there too).
    static func manifestNote(_ envFix: Introspection.EnvironmentFix) -> String {
        guard let pinned = envFix.pinned else { return "" }
        if envFix.unset != true && envFix.value == pinned { return " That is the value the manifest gives it." }
        return " The manifest gives \(envFix.name) the value '\(pinned)', which does not give this: change it there too."
    }

    /// The value as Python source: `False`, `None`, `"/app/media"`, `["a", "b"]`.
    static func pythonLiteral(_ value: ManifestValue) -> String {
        switch value {
        case .null: return "None"
        case .bool(let value): return value ? "True" : "False"
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let text): return pythonString(text)
        case .list(let items): return "[" + items.map(pythonLiteral).joined(separator: ", ") + "]"
        case .map(let entries):
            return "{" + entries.map { "\(pythonString($0.key)): \(pythonLiteral($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    static func pythonString(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            default:
                if scalar.value < 0x20 {
                    escaped += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return "\"\(escaped)\""
    }

    // MARK: Media

    static let staticGuard = """
        from django.conf import settings
        from django.conf.urls.static import static

        if settings.DEBUG:
            urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
        """

    /// `debugOff`: how to turn DEBUG off, for a route that static() made (it exists only
    /// while DEBUG is on, so urls.py is not what to change).
    static func media(servedNow: Bool, media: Introspection.MediaReport, debugOff: Fix) -> Fix {
        let urls = media.urlconfFile ?? "the root urls.py"
        guard servedNow else {
            return Fix(
                summary: "Add a media route in \(urls) (for development only: in production the web server serves "
                    + "MEDIA_ROOT), or set media_served_by_django: false.",
                snippet: staticGuard, language: "python")
        }
        if media.staticHelper == true {
            return Fix(
                summary: "The media route comes from static() in \(urls), which makes it only while DEBUG is on: "
                    + "turn DEBUG off and it is gone (urls.py needs no change). " + debugOff.summary,
                snippet: debugOff.snippet, language: debugOff.language)
        }
        if media.view == "django.views.static.serve" {
            let route = media.route.map { " (pattern \($0))" } ?? ""
            return Fix(
                summary: "Remove the unconditional media route\(route) from \(urls), or guard it so it only exists "
                    + "in development; Caddy serves MEDIA_ROOT in production (static() already returns no route when "
                    + "DEBUG is off).",
                snippet: staticGuard, language: "python")
        }
        return Fix(
            summary: "\(media.probe ?? media.url) is caught by \(media.view ?? "a view")"
                + (media.route.map { " (pattern \($0))" } ?? "") + " in \(urls): narrow that pattern so it excludes "
                + "MEDIA_URL, and let the web server serve media.")
    }

    // MARK: Logging

    /// A LOGGING dict that sends the named loggers' records at the wanted level to a
    /// console handler with no DEBUG filter: the root through its handler, every other
    /// logger through its own (propagate off, so nothing is written twice), and
    /// existing loggers left enabled.
    static func consoleLoggingSnippet(_ console: DjangoSpec.ConsoleLogging) -> String {
        let level = pythonString(console.level.rawValue)
        var lines = [
            "LOGGING = {",
            "    \"version\": 1,",
            "    \"disable_existing_loggers\": False,",
            "    \"handlers\": {",
            "        \"console\": {\"class\": \"logging.StreamHandler\"},",
            "    },",
        ]
        if console.loggers.contains("root") {
            lines.append("    \"root\": {\"handlers\": [\"console\"], \"level\": \(level)},")
        }
        let others = console.loggers.filter { $0 != "root" }
        if !others.isEmpty {
            lines.append("    \"loggers\": {")
            for logger in others {
                lines.append(
                    "        \(pythonString(logger)): {\"handlers\": [\"console\"], \"level\": \(level), \"propagate\": False},")
            }
            lines.append("    },")
        }
        return (lines + ["}"]).joined(separator: "\n")
    }

    static func consoleLogging(
        _ console: DjangoSpec.ConsoleLogging, route: Introspection.Route, settingsFile: String?
    ) -> Fix {
        let muted = route.handlers.contains { $0.filter?.requiresDebug == true }
        let file = settingsFile ?? "the settings"
        let summary =
            muted
            ? "Give these loggers a console handler without a DEBUG filter in \(file) before DEBUG is turned off: "
                + "Django's default 'console' handler (require_debug_true) writes nothing in production."
            : "Send these loggers to a console handler in \(file) (merge into the LOGGING there): a StreamHandler "
                + "writes to stderr, which the container runtime and Gunicorn collect."
        return Fix(summary: summary, snippet: consoleLoggingSnippet(console), language: "python")
    }

    /// `true`, `false`, or `rims.workflow, django at INFO`, for the desired-state diff.
    static func describe(_ console: DjangoSpec.ConsoleLogging) -> String {
        guard console.wanted else { return "false" }
        if console == DjangoSpec.ConsoleLogging(wanted: true, position: console.position) { return "true" }
        return console.loggers.joined(separator: ", ") + " at " + console.level.rawValue
    }

    // MARK: Deployment checks

    /// The settings line that answers a deployment check, for the common ones.
    static func deployCheck(_ message: Introspection.CheckMessage, spec: DjangoSpec) -> Fix {
        let ignore = " Or, if this is accepted for this site, add \(message.id ?? "its id") to deploy_check.ignore."
        let hosts = spec.settings.first { $0.name == "ALLOWED_HOSTS" }.map { pythonLiteral($0.value) }
        let known: [String: (String, String)] = [
            "security.W004": (
                "Enable HSTS once the whole site is served over HTTPS (start low, then raise it).",
                "SECURE_HSTS_SECONDS = 3600  # raise to 31536000 once HTTPS works everywhere"
            ),
            "security.W008": (
                "Redirect HTTP to HTTPS in Django, or (when Caddy already redirects) tell Django the request was "
                    + "HTTPS and accept this check.",
                "SECURE_SSL_REDIRECT = True\nSECURE_PROXY_SSL_HEADER = (\"HTTP_X_FORWARDED_PROTO\", \"https\")"
            ),
            "security.W009": (
                "Use a long random SECRET_KEY from the environment (python -c 'import secrets; "
                    + "print(secrets.token_urlsafe(50))').",
                "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]"
            ),
            "security.W012": ("Send the session cookie over HTTPS only.", "SESSION_COOKIE_SECURE = True"),
            "security.W016": ("Send the CSRF cookie over HTTPS only.", "CSRF_COOKIE_SECURE = True"),
            "security.W018": ("Turn DEBUG off in production.", "DEBUG = False"),
            "security.W020": ("List the site's host names.", "ALLOWED_HOSTS = \(hosts ?? "[\"example.com\"]")"),
        ]
        if let id = message.id, let (summary, snippet) = known[id] {
            return Fix(summary: summary + ignore, snippet: snippet, language: "python")
        }
        return Fix(summary: (message.hint ?? "Django says: \(message.message)") + ignore)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
