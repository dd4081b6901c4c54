import Foundation
import ReconcileKit
import TestSupport
import Testing

/// The Prometheus text format: the metric names and labels operators alert on, escaped
/// label values, a golden file, and the real `promtool check metrics` as the judge.
@Suite struct PrometheusTests {
    /// A run with every kind of finding, including label values a live service could
    /// produce (quotes, backslashes, a line feed).
    static let record = RunRecord(
        finishedAt: Date(timeIntervalSince1970: 1_800_000_000), durationSeconds: 2.25,
        checkDurations: ["health": 0.5, "caddy": 0.125], exitCode: 2,
        report: Report(
            origin: ReportTests.origin, manifest: "manifests/production.yaml", mode: .dryRun,
            findings: ReportTests.mixed + [
                Finding(checker: "caddy", resource: "/odd\"path\\with\nnewline", status: .drift, message: "odd"),
                Finding(checker: "health", resource: "api", status: .ok, message: "again, from a second manifest"),
            ]))

    static var text: String {
        PrometheusRenderer.render(record, lastSuccess: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func theLastRunMatchesItsGoldenFile() {
        assertSnapshot(Self.text, named: "metrics.prom")
    }

    @Test func labelValuesAreEscaped() {
        #expect(PrometheusRenderer.escapeLabel("a\"b\\c\nd") == #"a\"b\\c\nd"#)
        #expect(Self.text.contains(#"reconcile_findings{checker="caddy",resource="/odd\"path\\with\nnewline",status="drift"} 1"#))
    }

    /// The `action` label is the action's kind (its `apply:` permission), never its text:
    /// two routes patched are one series, and nothing a live service said is a label value.
    @Test func applyActionsAreCountedByCheckerActionKindAndStatus() throws {
        func action(_ resource: String, _ permission: String) -> Action {
            Action(
                checker: permission.hasPrefix("docker") ? "docker" : "caddy", resource: resource,
                summary: "PATCH caddy route \(resource) root → /srv/rims/media \"live\"", permission: permission, payload: "{}")
        }
        let record = RunRecord(
            finishedAt: Date(timeIntervalSince1970: 1_800_000_000), durationSeconds: 1, exitCode: 0,
            report: Report(
                origin: ReportTests.origin, manifest: "m.yaml", mode: .apply, findings: [],
                actions: [
                    ActionOutcome(action("/media/*", "caddy"), status: .applied),
                    ActionOutcome(action("/static/*", "caddy"), status: .applied),
                    ActionOutcome(action("backend", "docker.start"), status: .failed),
                ]))
        let text = PrometheusRenderer.render(record, lastSuccess: nil)
        let samples = text.split(separator: "\n").filter { $0.hasPrefix("reconcile_actions_total{") }
        #expect(
            samples == [
                #"reconcile_actions_total{checker="caddy",action="caddy",status="applied"} 2"#,
                #"reconcile_actions_total{checker="docker",action="docker.start",status="failed"} 1"#,
            ], "\(text)")
        let check = try run("promtool", ["check", "metrics"], stdin: text)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func findingsWithTheSameLabelsAreCountedOnce() {
        #expect(Self.text.contains(#"reconcile_findings{checker="health",resource="api",status="ok"} 2"#))
    }

    /// Two resources longer than the label cap that share their first 450 characters used
    /// to be capped to one label value: two identical series, which node_exporter's
    /// textfile collector rejects. The same long resource twice is still one series.
    @Test func longResourcesSharingAPrefixStayDistinctSeries() throws {
        let prefix = String(repeating: "/media/very-long-path", count: 22)
        let findings = [
            Finding(checker: "caddy", resource: prefix + "/first", status: .drift, message: "a"),
            Finding(checker: "caddy", resource: prefix + "/other", status: .drift, message: "b"),
            Finding(checker: "caddy", resource: prefix + "/first", status: .drift, message: "a again"),
        ]
        let record = RunRecord(
            finishedAt: Date(timeIntervalSince1970: 1_800_000_000), durationSeconds: 1, exitCode: 2,
            report: Report(origin: ReportTests.origin, manifest: "m.yaml", mode: .dryRun, findings: findings))
        let text = PrometheusRenderer.render(record, lastSuccess: nil)
        // Each sample's series: the line without its value.
        let series = text.split(separator: "\n").filter { $0.hasPrefix("reconcile_findings{") }.map { line in
            String(line.split(separator: " ").dropLast().joined(separator: " "))
        }
        #expect(series.count == 2, "\(series)")
        #expect(Set(series).count == series.count, "no series twice")
        #expect(text.contains(#"status="drift"} 2"#), "the repeated resource is counted in one series")
        for value in series { #expect(value.utf8.count < 600, "still capped") }
        let check = try run("promtool", ["check", "metrics"], stdin: text)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func aFailedRunHasStatusOneAndNoSourceInfo() {
        let failed = RunRecord(finishedAt: Date(timeIntervalSince1970: 1_800_000_100), durationSeconds: 0.5, exitCode: 1, report: nil)
        let text = PrometheusRenderer.render(failed, lastSuccess: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(text.contains("reconcile_status 1\n"))
        #expect(text.contains("reconcile_last_run_timestamp_seconds 1800000100\n"))
        #expect(text.contains("reconcile_last_success_timestamp_seconds 1800000000\n"))
        #expect(!text.contains("reconcile_source_info"))
        #expect(!text.contains("reconcile_findings"))
    }

    @Test func promtoolAcceptsTheOutput() throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-metrics")
        let file = try directory.write("metrics.prom", Self.text)
        let result = try run("sh", ["-c", "promtool check metrics < \"$0\"", file])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout + result.stderr == "")
    }
}
