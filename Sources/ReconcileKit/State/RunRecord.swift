import Foundation

/// One run as the state directory remembers it: when it ended, how long it and each
/// checker took, how it exited, and its report (nil when it failed before one existed:
/// a bad manifest, an unreadable repository). Metrics, notifications, `/healthz` and the
/// status page are all computed from these records, never from a second bookkeeping.
public struct RunRecord: Sendable, Codable {
    public var finishedAt: Date
    public var durationSeconds: Double
    /// Seconds per checker identifier (the slowest of its manifests).
    public var checkDurations: [String: Double]
    /// 0 in sync, 2 drift, 3 unknown, 1 error (the CLI's exit code).
    public var exitCode: Int32
    public var report: Report?
    /// Why there is no report (exit 1), for people; never a secret.
    public var error: String?

    public init(
        finishedAt: Date, durationSeconds: Double, checkDurations: [String: Double] = [:], exitCode: Int32,
        report: Report?, error: String? = nil
    ) {
        self.finishedAt = finishedAt
        self.durationSeconds = durationSeconds
        self.checkDurations = checkDurations
        self.exitCode = exitCode
        self.report = report
        self.error = error
    }

    /// A run that produced a report: reconcile could read its manifest and observe.
    public var succeeded: Bool { report != nil }
}
