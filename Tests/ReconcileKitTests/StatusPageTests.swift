import Foundation
import ReconcileKit
import TestSupport
import Testing

/// The status page and its picture of the stack: pure renderers of the history, with a
/// golden file, drift first, the red and labelled link, and every string escaped.
@Suite struct StatusPageTests {
    static let position = SourcePosition(file: "manifests/production.yaml", line: 40, column: 5)

    /// The demo stack with Caddy serving media from the wrong root, as the media checker
    /// reports it, plus a hostile answer from a health URL.
    static let findings: [Finding] = [
        Finding(
            checker: "health", resource: "api", status: .drift, expected: "status 200",
            observed: "status 500: <script>alert('x')</script>\u{1B}[2J", message: "answered 500 <b>bold</b>"),
        Finding(checker: "caddy", resource: "/api/*", status: .ok, expected: "reverse_proxy 127.0.0.1:8000", message: "ok"),
        Finding(
            checker: "caddy", resource: "/media/*", status: .drift, expected: "file_server root /srv/rims/media",
            observed: "file_server root /srv/not-the-volume", message: "serves media from the wrong directory",
            fix: Fix(summary: "Point the route at the volume.", snippet: "root * /srv/rims/media", language: "caddyfile")),
        Finding(checker: "docker", resource: "backend", status: .ok, expected: "media_data:/app/media", message: "running"),
        Finding(
            checker: "media", resource: "media: caddy route", status: .drift,
            expected: "/media/* → strip /media, file_server root /srv/rims/media",
            observed: "/media/* → strip /media, file_server root /srv/not-the-volume", message: "every uploaded file 404s",
            position: position),
        Finding(
            checker: "media", resource: "media: mount", status: .ok, expected: "/srv/rims/media mounted at /app/media",
            observed: "volume media_data at /app/media", message: "ok", position: position),
        Finding(
            checker: "media", resource: "media: MEDIA_ROOT", status: .ok, expected: "/app/media", observed: "/app/media",
            message: "ok", position: position),
    ]

    static var history: RunHistory {
        var history = RunHistory()
        for (index, findings) in [
            Array(findings.prefix(2)).map {
                var f = $0
                f.status = .ok
                return f
            }, findings,
        ].enumerated() {
            history.append(
                RunRecord(
                    finishedAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(index) * 300), durationSeconds: 1.25,
                    exitCode: index == 0 ? 0 : 2,
                    report: Report(origin: ReportTests.origin, manifest: "manifests/", mode: .dryRun, findings: findings)))
        }
        return history
    }

    static var page: String {
        StatusPage(title: "web-1", now: Date(timeIntervalSince1970: 1_800_000_360)).render(history)
    }

    @Test func thePageMatchesItsGoldenFile() {
        assertSnapshot(Self.page, named: "status-page.html")
    }

    /// The newest run failed (no report): the page shows the last successful run's
    /// findings, and says so with that run's time and the newest run's error, escaped.
    @Test func findingsOfAnEarlierRunSayWhenThatRunWasAfterAFailedRun() {
        var history = Self.history
        history.append(
            RunRecord(
                finishedAt: Date(timeIntervalSince1970: 1_800_000_900), durationSeconds: 0.25, exitCode: 1, report: nil,
                error: "cannot open <repo> & fail"))
        let page = StatusPage(title: "web-1", now: Date(timeIntervalSince1970: 1_800_000_960)).render(history)
        #expect(page.contains(": error</h1>"))
        #expect(page.contains("<span class=\"error\">cannot open &lt;repo&gt; &amp; fail</span>"))
        #expect(
            page.contains(
                "<p class=\"earlier\"><strong>The findings below are from the last successful run</strong>, 11 min ago (2027-01-15 08:05:00 UTC), not from the newest run, which failed.</p>"
            ), "\(page.prefix(1500))")
        #expect(page.contains("<h2>Findings of the last successful run, 2027-01-15 08:05:00 UTC</h2>"))
        #expect(!Self.page.contains("last successful run"), "a current report is not labelled as an earlier one")
    }

    @Test func driftRowsComeFirstAndEveryStringIsEscaped() {
        let page = Self.page
        #expect(page.contains("<title>drift · reconcile · web-1</title>"))
        let rows = page.components(separatedBy: "<tr class=\"finding ").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(rows == ["drift", "drift", "drift", "ok", "ok", "ok", "ok"])
        #expect(!page.contains("<script"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\\x1B[2J"))
        #expect(page.contains("answered 500 &lt;b&gt;bold&lt;/b&gt;"))
    }

    @Test func theDriftedLinkIsRedAndLabelledWithWhatWasObserved() {
        let svg = StackPicture(Report(origin: ReportTests.origin, manifest: "manifests/", mode: .dryRun, findings: Self.findings)).render()
        let line = svg.split(separator: "\n").first { $0.contains("data-link=\"media: caddy route\"") }
        #expect(line?.contains("<g class=\"link drift\"") == true)
        #expect(line?.contains("stroke=\"#d1242f\"") == true)
        #expect(line?.contains("not-the-volume</text>") == true)
        let mount = svg.split(separator: "\n").first { $0.contains("data-link=\"media: mount\"") }
        #expect(mount?.contains("<g class=\"link ok\"") == true)
        for title in ["/media/*", "/srv/rims/media", "media_data", "/app/media", "backend", "/api/*"] {
            #expect(svg.contains(">\(title)</text>"), "\(title)")
        }
    }

    /// Labels are shortened on the server to fit their box (the Chromium test in StackTests
    /// measures them): a path keeps its end, anything else its start; the whole text stays
    /// in the element's `<title>`.
    @Test func aLongLabelIsShortenedToFitItsBoxAndTheWholeTextIsItsTitle() throws {
        let volume = "/var/lib/containers/storage/volumes/media_data/_data"
        let findings = [
            Finding(
                checker: "media", resource: "media: caddy route", status: .drift,
                expected: "/media/* → strip /media, file_server root \(volume)",
                observed: "/media/* → strip /media, file_server root /var/lib/containers/storage/volumes/not-the-volume", message: "404s"),
            Finding(
                checker: "caddy", resource: "/static/*", status: .ok,
                expected: "respond 503 \"down for maintenance while the backend is upgraded\"", message: "ok"),
        ]
        let svg = StackPicture(Report(origin: ReportTests.origin, manifest: "manifests/", mode: .dryRun, findings: findings)).render()
        let titles = svg.components(separatedBy: "class=\"node-title\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
        let hostPath = try #require(titles.first { $0.hasPrefix("…") }, "\(titles)")
        #expect(volume.hasSuffix(hostPath.dropFirst()) && hostPath.count < 22, "\(hostPath)")
        #expect(svg.contains("<title>\(volume) (host path)</title>"))
        let target = try #require(titles.first { $0.hasPrefix("respond 503") }, "\(titles)")
        #expect(target.hasSuffix("…") && target.count < 24, "\(target)")
        let label = try #require(svg.components(separatedBy: "class=\"link-label\"").dropFirst().first)
        #expect(label.contains(">✗ …") && label.contains("/not-the-volume</text>"), "\(label)")
    }
}
