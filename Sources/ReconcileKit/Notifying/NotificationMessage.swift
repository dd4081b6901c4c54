import Foundation

/// The body of one notification, rendered from one transition or run-level change. Pure, like every
/// renderer. Text from live services is capped (json: its encoder escapes the rest) or,
/// for Slack, escaped the way Slack's `mrkdwn` requires (`&`, `<`, `>`), so a service's
/// answer can neither break the JSON nor turn into a mention or a link.
public enum NotificationMessage {
    /// Where the message comes from, shown with every transition.
    public struct Origin: Sendable {
        public let host: String
        public let source: Report.Source

        public init(host: String, source: Report.Source) {
            self.host = host
            self.source = source
        }
    }

    /// reconcile's own JSON body (keys sorted, one object per transition).
    public static func json(_ transition: Transition, origin: Origin) -> String {
        let finding = transition.finding
        var object = envelope(transition.kind, origin: origin)
        object["checker"] = finding.checker
        object["resource"] = UntrustedText.capped(finding.resource)
        object["status"] = finding.status.rawValue
        object["severity"] = finding.severity.rawValue
        object["message"] = UntrustedText.capped(finding.message)
        object["previous"] = transition.previous?.rawValue ?? NSNull()
        object["expected"] = finding.expected.map { UntrustedText.capped($0) } ?? NSNull()
        object["observed"] = finding.observed.map { UntrustedText.capped($0) } ?? NSNull()
        object["fix"] = finding.fix.map { UntrustedText.capped($0.summary) } ?? NSNull()
        return encoded(object)
    }

    /// The JSON body of a run-level change. `apply`: `summary` (`2 applied, 1 rolled back`)
    /// and `actions` (`{checker, resource, action, status, detail}` each, as in the report);
    /// `stale`: `message`, and the source's `last_fetched`.
    public static func json(_ change: RunChange, origin: Origin) -> String {
        var object = envelope(change.kind, origin: origin)
        switch change {
        case .applied(let actions):
            object["summary"] = RunChange.outcome(actions)
            object["actions"] = actions.map { action -> [String: Any] in
                [
                    "checker": action.checker, "resource": UntrustedText.capped(action.resource),
                    "action": UntrustedText.capped(action.action), "status": action.status.rawValue,
                    "detail": action.detail.map { UntrustedText.capped($0) } ?? NSNull(),
                ]
            }
        case .stale:
            object["message"] = staleMessage(origin.source)
        }
        return encoded(object)
    }

    /// The keys every JSON body has: `version`, `event`, `host`, `source`.
    private static func envelope(_ kind: TransitionKind, origin: Origin) -> [String: Any] {
        let source = origin.source
        return [
            "version": 1, "event": kind.rawValue, "host": UntrustedText.capped(origin.host),
            "source": [
                "repo": source.repo, "ref": source.ref, "commit": source.commit ?? NSNull(), "stale": source.stale,
                "last_fetched": source.lastFetched ?? NSNull(),
            ] as [String: Any],
        ]
    }

    private static func encoded(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func staleMessage(_ source: Report.Source) -> String {
        let commit = source.commit.map { "cached commit \($0.prefix(12))" } ?? "the cached clone"
        let fetched = source.lastFetched.map { ", last fetched \($0)" } ?? ""
        return "\(source.repo) could not be fetched: checked \(commit)\(fetched); the desired state may be out of date"
    }

    /// `{"text": …}` for Slack-compatible incoming webhooks: one short paragraph.
    public static func slack(_ transition: Transition, origin: Origin) -> String {
        let finding = transition.finding
        let headline: String
        switch transition.kind {
        case .drift: headline = "drift"
        case .resolved: headline = "resolved"
        case .unknown: headline = "cannot observe"
        case .apply: headline = "applied"
        case .stale: headline = "stale desired state"
        }
        var text = "*reconcile on \(slackEscaped(origin.host)): \(headline)* · \(finding.checker) `\(slackEscaped(finding.resource))`\n"
        text += slackEscaped(finding.message)
        if transition.kind != .resolved {
            if let expected = finding.expected { text += "\nexpected: \(slackEscaped(expected))" }
            if let observed = finding.observed { text += "\nobserved: \(slackEscaped(observed))" }
            if let fix = finding.fix { text += "\nfix: \(slackEscaped(fix.summary))" }
        }
        return slackBody(text, origin: origin)
    }

    /// `{"text": …}` for a run-level change: apply's actions one per line with how each
    /// ended, or why the desired state is stale.
    public static func slack(_ change: RunChange, origin: Origin) -> String {
        var text = ""
        switch change {
        case .applied(let actions):
            text = "*reconcile on \(slackEscaped(origin.host)): applied* · \(RunChange.outcome(actions))"
            for action in actions {
                text += "\n• \(action.status.rawValue): \(action.checker) `\(slackEscaped(action.resource))` \(slackEscaped(action.action))"
                if let detail = action.detail { text += " (\(slackEscaped(detail)))" }
            }
        case .stale(let source):
            text = "*reconcile on \(slackEscaped(origin.host)): stale desired state*\n\(slackEscaped(staleMessage(source)))"
        }
        return slackBody(text, origin: origin)
    }

    /// The text's last line names the desired state (repo @ commit), then the JSON wrapper.
    private static func slackBody(_ text: String, origin: Origin) -> String {
        let source = "\n\(slackEscaped(origin.source.repo)) @ \(origin.source.origin.shortCommitOrRef)"
        let data = (try? JSONSerialization.data(withJSONObject: ["text": text + source], options: [.withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func slackEscaped(_ text: String) -> String {
        UntrustedText.terminalLine(text).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
