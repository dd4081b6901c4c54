import Foundation
import ReconcileKit
import TestSupport
import Testing

/// The state directory: where it is by default, that it is private, and that the history
/// of runs stays bounded while the last report is always the newest.
@Suite struct StateTests {
    static func record(_ index: Int, findings: [Finding]? = [], exitCode: Int32 = 0) -> RunRecord {
        RunRecord(
            finishedAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)), durationSeconds: 1.5,
            checkDurations: ["health": 0.25], exitCode: exitCode,
            report: findings.map {
                Report(origin: ReportTests.origin, manifest: "manifests/run-\(index).yaml", mode: .dryRun, findings: $0)
            })
    }

    /// A state directory in a new temporary directory holding `records`.
    static func saved(_ records: [RunRecord]) throws -> (TemporaryDirectory, StateDirectory) {
        let directory = try TemporaryDirectory(prefix: "reconcile-state")
        let state = StateDirectory(path: directory.file("state"))
        for record in records { try RunHistory.Stored(in: state).append(record) }
        return (directory, state)
    }

    @Test func theDefaultFollowsXDGThenRootThenHome() {
        #expect(StateDirectory.standard(environment: ["XDG_STATE_HOME": "/x/state"], isRoot: true).path == "/x/state/reconcile")
        #expect(StateDirectory.standard(environment: ["XDG_STATE_HOME": "relative"], isRoot: true).path == "/var/lib/reconcile")
        #expect(StateDirectory.standard(environment: ["HOME": "/home/ops"], isRoot: false).path == "/home/ops/.local/state/reconcile")
    }

    @Test func theHistoryKeepsOnlyTheLastHundredRunsAndTheLastReport() throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-state")
        let state = StateDirectory(path: directory.file("nested/state"))
        for index in 0..<(RunHistory.limit + 5) {
            #expect(RunBookkeeping(state: state, metricsFile: nil).record(Self.record(index)).warnings.isEmpty)
        }
        let history = RunHistory.load(from: state)
        #expect(history.records.count == RunHistory.limit)
        #expect(history.records.first?.report?.source.manifest == "manifests/run-5.yaml")
        #expect(history.last?.report?.source.manifest == "manifests/run-104.yaml")
        #expect(history.last?.checkDurations == ["health": 0.25])
        let lines = try String(contentsOfFile: state.history, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == RunHistory.limit)
        let last = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: state.lastReport))) as? [String: Any])
        #expect((last["source"] as? [String: Any])?["manifest"] as? String == "manifests/run-104.yaml")
    }

    @Test func aFailedRunIsRecordedButTheLastReportIsTheLastSuccessfulOne() throws {
        let (directory, state) = try Self.saved([
            Self.record(1, findings: [ReportTests.finding(.drift)], exitCode: 2), Self.record(2, findings: nil, exitCode: 1),
        ])
        defer { withExtendedLifetime(directory) {} }
        let loaded = RunHistory.load(from: state)
        #expect(loaded.last?.exitCode == 1)
        #expect(loaded.lastSuccess?.exitCode == 2)
        #expect(loaded.lastReport?.findings.map(\.status) == [.drift])
    }

    @Test func theDirectoryAndItsFilesArePrivate() throws {
        let (directory, state) = try Self.saved([Self.record(1)])
        defer { withExtendedLifetime(directory) {} }
        let attributes = try FileManager.default.attributesOfItem(atPath: state.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        let file = try FileManager.default.attributesOfItem(atPath: state.history)
        #expect((file[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aLineFromAnotherVersionIsSkippedNotFatalAndKeptAsItWas() throws {
        let (directory, state) = try Self.saved([Self.record(1)])
        defer { withExtendedLifetime(directory) {} }
        let text = try String(contentsOfFile: state.history, encoding: .utf8)
        let foreign = "{\"something\": \"else\"}"
        try (foreign + "\n" + text).write(toFile: state.history, atomically: true, encoding: .utf8)
        #expect(RunHistory.load(from: state).records.count == 1)
        try RunHistory.Stored(in: state).append(Self.record(2))
        let lines = try String(contentsOfFile: state.history, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first == foreign)
        #expect(lines[1] + "\n" == text)
    }

    /// A history cut short mid-line (a crash while another version wrote it) and blank
    /// lines: the new record still gets a line of its own.
    @Test func aHistoryCutShortMidLineGetsTheNewRecordOnALineOfItsOwn() throws {
        let (directory, state) = try Self.saved([Self.record(1)])
        defer { withExtendedLifetime(directory) {} }
        let text = try String(contentsOfFile: state.history, encoding: .utf8)
        try (text + "\n\n{\"finishedAt\": \"20").write(toFile: state.history, atomically: true, encoding: .utf8)
        try RunHistory.Stored(in: state).append(Self.record(2))
        let history = RunHistory.load(from: state)
        #expect(history.records.map(\.finishedAt) == [Self.record(1).finishedAt, Self.record(2).finishedAt])
        let lines = try String(contentsOfFile: state.history, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "" && lines.dropLast().last?.hasPrefix("{") == true, "the file ends with the new record and a newline")
    }

    @Test func aRunComparesWithTheNewestSuccessfulRunBehindFailedOnes() throws {
        let (directory, state) = try Self.saved([
            Self.record(1, findings: [ReportTests.finding(.ok)]), Self.record(2, findings: [ReportTests.finding(.drift)], exitCode: 2),
            Self.record(3, findings: nil, exitCode: 1), Self.record(4, findings: nil, exitCode: 1),
        ])
        defer { withExtendedLifetime(directory) {} }
        #expect(RunHistory.Stored(in: state).lastSuccess?.finishedAt == Self.record(2).finishedAt)
        let metrics = directory.file("metrics.prom")
        let result = RunBookkeeping(state: state, metricsFile: metrics).record(Self.record(5, findings: nil, exitCode: 1))
        #expect(result.warnings.isEmpty)
        #expect(result.previousSuccess?.report?.findings.map(\.status) == [.drift])
        let prometheus = try String(contentsOfFile: metrics, encoding: .utf8)
        let lastSuccess = prometheus.split(separator: "\n").first { $0.hasPrefix("reconcile_last_success_timestamp_seconds ") }
        #expect(lastSuccess.flatMap { Double($0.split(separator: " ")[1]) } == Self.record(2).finishedAt.timeIntervalSince1970)
        #expect(RunHistory.Stored(in: state).lastSuccess?.finishedAt == Self.record(2).finishedAt)
    }

    @Test func anUnwritableStateDirectoryIsAWarningNotAFailure() throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-state")
        let blocker = try directory.write("file", "not a directory")
        let bookkeeping = RunBookkeeping(state: StateDirectory(path: blocker + "/state"), metricsFile: nil)
        let result = bookkeeping.record(Self.record(1))
        #expect(result.previousSuccess == nil)
        #expect(result.unrecorded?.contains("cannot create the state directory") == true)
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.contains("cannot create the state directory") == true)
    }
}
