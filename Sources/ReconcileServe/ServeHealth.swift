import Foundation
import ReconcileKit

/// `/healthz`'s verdict on the last run: healthy only when it was in sync. Drift, unknown,
/// stale (every check ok, but against a cached commit: the remote could not be fetched),
/// an error and "no run yet" are all unhealthy, so a load balancer or an uptime check
/// never reads an unobserved stack as fine.
struct ServeHealth {
    let status: String
    let healthy: Bool
    let record: RunRecord?

    init(_ record: RunRecord?) {
        self.record = record
        switch record?.exitCode {
        case nil: status = "pending"
        case 0: status = "ok"
        case 2: status = "drift"
        case 3: status = record?.report.map { $0.status == .ok && $0.source.stale } == true ? "stale" : "unknown"
        default: status = "error"
        }
        healthy = record?.exitCode == 0
    }

    /// `{"status", "healthy", "last_run", "duration_seconds", "summary", "commit", "error"}`.
    var json: String {
        var object: [String: Any] = ["status": status, "healthy": healthy]
        if let record {
            object["last_run"] = ISO8601DateFormatter().string(from: record.finishedAt)
            object["duration_seconds"] = (record.durationSeconds * 1000).rounded() / 1000
            if let report = record.report {
                object["summary"] = ["ok": report.summary.ok, "drift": report.summary.drift, "unknown": report.summary.unknown]
                object["commit"] = report.source.commit ?? NSNull()
            }
            if let error = record.error { object["error"] = UntrustedText.capped(error) }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
