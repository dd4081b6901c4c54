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
        families.append(
            MetricFamily(
                name: "reconcile_serve_runs_total", help: "Runs by what started them (start, interval, request).",
                kind: .counter,
                samples: snapshot.runs.sorted { $0.key < $1.key }.map { .init(labels: [("trigger", $0.key)], value: Double($0.value)) }))
        families.append(
            MetricFamily(
                name: "reconcile_serve_run_requests_total", help: "POST /run requests by result (accepted, unauthorized).",
                kind: .counter,
                samples: snapshot.requests.sorted { $0.key < $1.key }.map { .init(labels: [("result", $0.key)], value: Double($0.value)) }))
        families.append(
            MetricFamily(
                name: "reconcile_serve_running", help: "1 while a run is in progress.",
                samples: [.init(value: snapshot.running ? 1 : 0)]))
        return PrometheusRenderer.render(families)
    }
}
