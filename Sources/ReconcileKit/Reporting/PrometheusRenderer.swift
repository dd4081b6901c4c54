import Foundation

/// One metric family in the Prometheus text exposition format: its name, help, type and
/// samples. Serve adds its own counters as families of this shape, so there is one writer
/// of the format and one place that escapes label values.
public struct MetricFamily: Sendable {
    public enum Kind: String, Sendable {
        case gauge, counter
    }

    public struct Sample: Sendable {
        public var labels: [(String, String)]
        public var value: Double

        public init(labels: [(String, String)] = [], value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]

    public init(name: String, help: String, kind: Kind = .gauge, samples: [Sample]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }
}

/// `--format prometheus`, `--metrics-file` (node_exporter's textfile collector) and serve's
/// `/metrics`: the last run as gauges. Pure, like every renderer; the output passes
/// `promtool check metrics` (a test runs it).
///
/// Label values come from manifests and live services, so they are escaped as the format
/// requires (backslash, double quote, line feed); nothing else is ever put in a label.
public enum PrometheusRenderer {
    /// The families describing `record`; `lastSuccess` is when a run last produced a report.
    /// `actions`: the counts `reconcile_actions_total` shows (serve's, over all its runs);
    /// nil counts `record`'s own actions.
    public static func families(for record: RunRecord, lastSuccess: Date?, actions: ActionCounts? = nil) -> [MetricFamily] {
        let report = record.report
        // Counted by the label values as emitted (capped), so no two samples are one series.
        var counts: [[String]: Int] = [:]
        var order: [(key: [String], labels: [(String, String)])] = []
        for finding in report?.findings ?? [] {
            let labels = [("checker", finding.checker), ("resource", finding.resource), ("status", finding.status.rawValue)]
            let key = labels.map { labelValue($0.1) }
            if counts[key] == nil { order.append((key, labels)) }
            counts[key, default: 0] += 1
        }
        var families = [
            MetricFamily(
                name: "reconcile_findings", help: "Findings of the last run by checker, resource and status.",
                samples: order.map { .init(labels: $0.labels, value: Double(counts[$0.key]!)) }),
            MetricFamily(
                name: "reconcile_status", help: "The last run's outcome: 0 in sync, 1 error, 2 drift, 3 unknown.",
                samples: [.init(value: Double(record.exitCode))]),
            MetricFamily(
                name: "reconcile_run_duration_seconds", help: "How long the last run took.",
                samples: [.init(value: record.durationSeconds)]),
            MetricFamily(
                name: "reconcile_check_duration_seconds", help: "How long each checker took in the last run.",
                samples: record.checkDurations.sorted { $0.key < $1.key }.map {
                    .init(labels: [("checker", $0.key)], value: $0.value)
                }),
            MetricFamily(
                name: "reconcile_last_run_timestamp_seconds", help: "When the last run ended (Unix time).",
                samples: [.init(value: record.finishedAt.timeIntervalSince1970.rounded())]),
            MetricFamily(
                name: "reconcile_last_success_timestamp_seconds",
                help: "When a run last produced a report (Unix time; absent before the first).",
                samples: lastSuccess.map { [.init(value: $0.timeIntervalSince1970.rounded())] } ?? []),
            MetricFamily(
                name: "reconcile_actions_total",
                help: actions == nil
                    ? "Actions of the last run by checker, action and status (the textfile holds one run's)."
                    : "Actions by checker, action and status, every run's since reconcile serve started.",
                kind: .counter, samples: (actions ?? ActionCounts(report?.actions ?? [])).samples),
        ]
        if let source = report?.source {
            families.append(
                MetricFamily(
                    name: "reconcile_source_info", help: "The desired state the last run read.",
                    samples: [
                        .init(labels: [("repo", source.repo), ("ref", source.ref), ("commit", source.commit ?? "")], value: 1)
                    ]))
        }
        return families
    }

    /// The text exposition format of `families` (families without samples are left out).
    public static func render(_ families: [MetricFamily]) -> String {
        var text = ""
        for family in families where !family.samples.isEmpty {
            text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                text += family.name
                if !sample.labels.isEmpty {
                    text += "{" + sample.labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
                }
                text += " \(format(sample.value))\n"
            }
        }
        return text
    }

    /// `render(families(for:lastSuccess:))`.
    public static func render(_ record: RunRecord, lastSuccess: Date?) -> String {
        render(families(for: record, lastSuccess: lastSuccess))
    }

    /// A label value: capped (`labelValue`), then backslash, double quote and line feed
    /// escaped, as the format says.
    public static func escapeLabel(_ value: String) -> String {
        escapeHelp(labelValue(value)).replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// A label value as emitted, before escaping: capped like every other string from a
    /// live service, and when cut, ended with a digest of the whole value, so two long
    /// values that share their first characters stay two series (a textfile collector
    /// rejects a file with the same series twice).
    public static func labelValue(_ value: String) -> String {
        let capped = UntrustedText.capped(value)
        return capped == value ? value : capped + " #" + StableDigest.hex(value)
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
