import Foundation

/// The body of one notification, rendered from one transition. Pure, like every
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
        var object: [String: Any] = [
            "version": 1, "event": transition.kind.rawValue, "host": UntrustedText.capped(origin.host),
            "checker": finding.checker, "resource": UntrustedText.capped(finding.resource),
            "status": finding.status.rawValue, "severity": finding.severity.rawValue,
            "message": UntrustedText.capped(finding.message),
            "source": ["repo": origin.source.repo, "ref": origin.source.ref, "commit": origin.source.commit ?? NSNull()] as [String: Any],
        ]
        object["previous"] = transition.previous?.rawValue ?? NSNull()
        object["expected"] = finding.expected.map { UntrustedText.capped($0) } ?? NSNull()
        object["observed"] = finding.observed.map { UntrustedText.capped($0) } ?? NSNull()
        object["fix"] = finding.fix.map { UntrustedText.capped($0.summary) } ?? NSNull()
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
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
        text += "\n\(slackEscaped(origin.source.repo)) @ \(origin.source.commit.map { String($0.prefix(12)) } ?? origin.source.ref)"
        let data = (try? JSONSerialization.data(withJSONObject: ["text": text], options: [.withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func slackEscaped(_ text: String) -> String {
        UntrustedText.terminalLine(text).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
