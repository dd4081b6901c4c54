import Foundation
import TestSupport
import Testing

/// Compares `text` with the golden file Tests/Fixtures/golden/`name`.
///
/// Snapshots change only on purpose: with `RECONCILE_RECORD_SNAPSHOTS=1` a differing or
/// missing file is rewritten and the test still fails (saying so), so a recording run
/// can never pass unnoticed; review the diff, then run again without the variable.
func assertSnapshot(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let path = TestPaths.fixture("golden/\(name)")
    let existing = try? String(contentsOfFile: path, encoding: .utf8)
    if ProcessInfo.processInfo.environment["RECONCILE_RECORD_SNAPSHOTS"] == "1" {
        guard existing != text else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            Issue.record(
                "recorded snapshot \(name); review it (git diff) and run again without RECONCILE_RECORD_SNAPSHOTS",
                sourceLocation: sourceLocation)
        } catch {
            Issue.record("cannot record snapshot \(path): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let existing else {
        Issue.record(
            "no snapshot \(path); record it with RECONCILE_RECORD_SNAPSHOTS=1 and review it",
            sourceLocation: sourceLocation)
        return
    }
    if existing != text {
        Issue.record(
            "output differs from snapshot \(name) (re-record with RECONCILE_RECORD_SNAPSHOTS=1 if intended)\n\(firstDifference(existing, text))",
            sourceLocation: sourceLocation)
    }
}

private func firstDifference(_ expected: String, _ actual: String) -> String {
    let a = expected.components(separatedBy: "\n")
    let b = actual.components(separatedBy: "\n")
    for index in 0..<max(a.count, b.count) {
        let left = index < a.count ? a[index] : "<end>"
        let right = index < b.count ? b[index] : "<end>"
        if left != right { return "line \(index + 1):\n  snapshot: \(left)\n  actual:   \(right)" }
    }
    return "(no line differs)"
}
