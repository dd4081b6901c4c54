import Foundation
import ReconcileKit
import Testing

/// A report made from a cached clone because the remote could not be fetched: it says so
/// (JSON and text) and never exits 0, because the desired state may have moved on.
@Suite struct StaleReportTests {
    static let fetched = Date(timeIntervalSince1970: 1_790_000_000)

    static func report(stale: Bool, _ statuses: [Status]) -> Report {
        let origin = SourceOrigin(
            repo: "https://git.example.com/ops.git", ref: "main", commit: "9f3c2a7b1d4e5f60718293a4b5c6d7e8f9012345",
            worktree: false, stale: stale, lastFetched: fetched)
        return Report(
            origin: origin, manifest: "manifests/", mode: .dryRun,
            findings: statuses.map { ReportTests.finding($0) })
    }

    @Test func aStaleSourceTurnsInSyncIntoExitThreeButNeverHidesDrift() {
        #expect(Self.report(stale: false, [.ok]).exitCode == 0)
        #expect(Self.report(stale: true, [.ok]).exitCode == 3)
        #expect(Self.report(stale: true, [.ok, .unknown]).exitCode == 3)
        #expect(Self.report(stale: true, [.ok, .drift]).exitCode == 2)
    }

    @Test func theJSONSourceCarriesStaleAndTheLastFetch() throws {
        let json = JSONReportRenderer.render(Self.report(stale: true, [.ok]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let source = try #require(object["source"] as? [String: Any])
        #expect(source["stale"] as? Bool == true)
        #expect(source["last_fetched"] as? String == "2026-09-21T14:13:20Z")
    }

    @Test func theTextReportSaysItIsStaleUnderTheHeader() {
        let text = TextReportRenderer(color: false, hideOK: false, width: 100).render(Self.report(stale: true, [.ok]))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1].hasPrefix("STALE: the remote could not be fetched; this is the cached commit (last fetched 2026-09-21T14:13:20Z)"))
        let fresh = TextReportRenderer(color: false, hideOK: false, width: 100).render(Self.report(stale: false, [.ok]))
        #expect(!fresh.contains("STALE"))
    }
}
