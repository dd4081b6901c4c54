import Foundation
import ReconcileKit

/// `/metrics`: the last run's families (the same as `--metrics-file`, except that
/// `reconcile_actions_total` counts every run's actions since serve started) followed by
/// serve's own counters, written by the one Prometheus renderer.
enum ServeMetrics {
    static func render(_ snapshot: ServeAgent.Snapshot) -> String {
        var families: [MetricFamily] = []
        if let last = snapshot.history.last {
            families += PrometheusRenderer.families(
                for: last, lastSuccess: snapshot.history.lastSuccess?.finishedAt, actions: snapshot.actions)
        }
        families += [
            counter("reconcile_serve_runs_total", "Runs by what started them (start, interval, request).", "trigger", snapshot.runs),
            counter(
                "reconcile_serve_run_requests_total", "POST /run requests by result (accepted, unauthorized).", "result",
                snapshot.requests),
            MetricFamily(
                name: "reconcile_serve_running", help: "1 while a run is in progress.",
                samples: [.init(value: snapshot.running ? 1 : 0)]),
        ]
        return PrometheusRenderer.render(families)
    }

    /// A counter with one sample per key of `counts`, labelled `label`, in key order.
    private static func counter(_ name: String, _ help: String, _ label: String, _ counts: [String: Int]) -> MetricFamily {
        MetricFamily(
            name: name, help: help, kind: .counter,
            samples: counts.sorted { $0.key < $1.key }.map { .init(labels: [(label, $0.key)], value: Double($0.value)) })
    }
}
