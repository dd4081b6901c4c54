import Foundation
import ReconcileKit

/// `--format github` of every command: the annotations GitHub shows (10 per level and
/// step) are returned for standard output; the rest are appended as a table to the step
/// summary the runner names in `GITHUB_STEP_SUMMARY`, or, without one (or when it cannot
/// be written), listed on standard error, so the job log still has every one.
func gitHubStep(
    _ annotations: [GitHubAnnotation], environment: [String: String] = ProcessInfo.processInfo.environment
) -> String {
    let step = GitHubStepOutput(annotations)
    guard let summary = step.summary() else { return step.commands }
    guard let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty else {
        FileHandle.standardError.write(Data(step.logListing(because: "GITHUB_STEP_SUMMARY is not set").utf8))
        return step.commands
    }
    var failure: String?
    let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    if descriptor < 0 {
        failure = String(cString: strerror(errno))
    } else {
        do {
            try FileHandle(fileDescriptor: descriptor, closeOnDealloc: true).write(contentsOf: Data(summary.utf8))
        } catch {
            failure = "\(error)"
        }
    }
    let note = failure.map { step.logListing(because: "the step summary could not be written (\($0))") } ?? step.summaryNotice
    FileHandle.standardError.write(Data(note.utf8))
    return step.commands
}
