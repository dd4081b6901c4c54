/// `reconcile_actions_total`'s samples: actions counted by checker, action and status, in
/// the order first seen. The `action` label is the action's kind (``ActionOutcome/kind``:
/// `caddy`, `docker.start`…), so the series stay few whatever the routes and containers. For `--metrics-file` and `--format prometheus` they are one run's
/// (each run replaces the textfile); `reconcile serve` adds every run's to its own, so its
/// `/metrics` has a counter in Prometheus's sense, growing from the agent's start.
public struct ActionCounts: Sendable {
    private var order: [[String]] = []
    private var counts: [[String]: Int] = [:]

    public init(_ actions: [ActionOutcome] = []) {
        add(actions)
    }

    /// Counts `actions` (one run's outcomes) on top of what is counted already.
    public mutating func add(_ actions: [ActionOutcome]) {
        for outcome in actions {
            let key = [outcome.checker, outcome.kind, outcome.status.rawValue]
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
    }

    var samples: [MetricFamily.Sample] {
        order.map { key in
            .init(labels: [("checker", key[0]), ("action", key[1]), ("status", key[2])], value: Double(counts[key] ?? 0))
        }
    }
}
