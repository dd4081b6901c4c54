import Foundation

/// What happens after every run, the same for `reconcile` on a timer and for `serve`:
/// the run is appended to the bounded history in the state directory (and the last
/// report written beside it), then the metrics textfile is replaced atomically.
///
/// Failing to keep state never changes a run's exit code (monitoring reads the exit code
/// for the stack's state, not reconcile's housekeeping): problems come back as warnings
/// for the caller to log.
public struct RunBookkeeping: Sendable {
    public let state: StateDirectory
    /// `--metrics-file`: node_exporter's textfile collector reads it; nil = none.
    public let metricsFile: String?

    public init(state: StateDirectory, metricsFile: String?) {
        self.state = state
        self.metricsFile = metricsFile
    }

    /// Records `record`; returns the newest successful run before it (what notifications
    /// compute transitions against), why the run could not be recorded (nil when it was:
    /// notifications must not be sent then, see `Notifications.unrecordedRun(_:)`) and
    /// what else could not be kept.
    public func record(_ record: RunRecord) -> (previousSuccess: RunRecord?, unrecorded: String?, warnings: [String]) {
        let stored = RunHistory.Stored(in: state)
        let previousSuccess = stored.lastSuccess
        var warnings: [String] = []
        var unrecorded: String?
        do {
            try stored.append(record)
        } catch {
            unrecorded = "\(error)"
            warnings.append("the run was not recorded in the state directory \(state.path): \(error)")
        }
        if let metricsFile {
            do {
                try ReportFile.write(
                    PrometheusRenderer.render(
                        record, lastSuccess: record.succeeded ? record.finishedAt : previousSuccess?.finishedAt),
                    to: metricsFile)
            } catch let error as ReportFileError {
                warnings.append("cannot write metrics file \(error.path): \(error.reason)")
            } catch {
                warnings.append("cannot write metrics file \(metricsFile): \(error)")
            }
        }
        return (previousSuccess, unrecorded, warnings)
    }
}
