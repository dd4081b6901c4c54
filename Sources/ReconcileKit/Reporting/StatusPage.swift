import Foundation

/// `reconcile serve`'s page at `/`: what a person needs at a glance. The overall state in
/// a coloured banner, when the last run was and which commit it read, the picture of the
/// stack, the findings (drift first) with expected, observed and fix, and the last runs.
/// No JavaScript; it reloads itself every 30 s with a meta refresh. Every string that came
/// from the environment (findings quote live services) goes through `UntrustedText.html`.
public struct StatusPage {
    public let title: String
    public let now: Date
    /// How many past runs the history table shows.
    public static let historyRows = 15

    public init(title: String, now: Date) {
        self.title = title
        self.now = now
    }

    public func render(_ history: RunHistory) -> String {
        let last = history.last
        let report = history.lastReport
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="30">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Self.state(last).word) · reconcile · \(h(title))</title>
            <style>\(Self.style)</style></head>
            <body>

            """
        // The newest run failed: what is shown is the last successful run's, and says so.
        let earlier = last?.report == nil ? history.lastSuccess : nil
        page += banner(last, report: report, earlier: earlier)
        if let report {
            let when = earlier.map { " of the last successful run, \(h(Self.timestamp($0.finishedAt)))" } ?? ""
            page += "<section><h2>The stack\(when)</h2>\n" + StackPicture(report).render() + "\n</section>\n"
            page += findings(report, when: when)
        }
        page += runs(history)
        page +=
            "<footer>reconcile serve · <a href=\"/report.json\">report.json</a> · <a href=\"/metrics\">metrics</a> · <a href=\"/healthz\">healthz</a></footer>\n"
        return page + "</body></html>\n"
    }

    /// The word and CSS class for a run's outcome.
    static func state(_ record: RunRecord?) -> (word: String, css: String) {
        switch record?.exitCode {
        case nil: ("waiting for the first run", "unknown")
        case 0: ("in sync", "ok")
        case 2: ("drift", "drift")
        case 3 where record?.report.map({ $0.status == .ok && $0.source.stale }) == true:
            ("stale: the desired state could not be fetched", "unknown")
        case 3: ("could not observe everything", "unknown")
        default: ("error", "drift")
        }
    }

    /// `earlier`: the last successful run, when the newest one failed and `report` is its.
    private func banner(_ last: RunRecord?, report: Report?, earlier: RunRecord?) -> String {
        let state = Self.state(last)
        var html = "<header class=\"banner \(state.css)\"><h1>\(h(title)): \(h(state.word))</h1>\n<p>"
        if let last {
            html += "Last run \(h(Self.ago(last.finishedAt, now: now))) (\(h(Self.timestamp(last.finishedAt)))), "
            html += "took \(String(format: "%.1f", last.durationSeconds)) s."
            if let error = last.error { html += " <span class=\"error\">\(h(error))</span>" }
        } else {
            html += "No run has finished yet."
        }
        html += "</p>\n"
        if let earlier {
            html += "<p class=\"earlier\"><strong>The findings below are from the last successful run</strong>, "
            html += "\(h(Self.ago(earlier.finishedAt, now: now))) (\(h(Self.timestamp(earlier.finishedAt)))), "
            html += "not from the newest run, which failed.</p>\n"
        }
        if let report {
            let source = report.source
            html += "<p class=\"source\">\(h(source.manifest)) from \(h(source.repo)) at \(h(source.ref))"
            html += source.commit.map { " · commit <code>\(h(String($0.prefix(12))))</code>" } ?? ""
            if source.stale { html += " · <strong>stale</strong>, last fetched \(h(source.lastFetched ?? "never"))" }
            html += " · \(report.summary.drift) drift, \(report.summary.unknown) unknown, \(report.summary.ok) ok</p>\n"
        }
        return html + "</header>\n"
    }

    /// `when`: which run the findings are of, when not the newest (already escaped).
    private func findings(_ report: Report, when: String) -> String {
        var html = "<section><h2>Findings\(when)</h2>\n"
        html += "<table class=\"findings\"><thead><tr><th>status</th><th>checker</th><th>resource</th>"
        html += "<th>expected</th><th>observed</th><th>what to do</th></tr></thead><tbody>\n"
        for finding in report.findingsWorstFirst {
            html += "<tr class=\"finding \(finding.status.rawValue)\"><td><span class=\"badge \(finding.status.rawValue)\">"
            html += "\(finding.status.rawValue)</span></td><td>\(h(finding.checker))</td><td class=\"resource\">\(h(finding.resource))</td>"
            html += "<td>\(h(finding.expected ?? ""))</td><td>\(h(finding.observed ?? ""))</td><td>"
            if finding.status != .ok {
                html += "<p>\(h(finding.message))</p>"
                if let fix = finding.fix {
                    html += "<p class=\"fix\">\(h(fix.summary))</p>"
                    if let snippet = fix.snippet { html += "<pre>\(h(UntrustedText.capped(snippet, limit: 2000)))</pre>" }
                }
            }
            html += "</td></tr>\n"
        }
        return html + "</tbody></table></section>\n"
    }

    private func runs(_ history: RunHistory) -> String {
        var html = "<section><h2>Last runs</h2>\n<table class=\"runs\"><thead><tr><th>ended</th><th>outcome</th><th>drift</th>"
        html += "<th>unknown</th><th>ok</th><th>took</th><th>commit</th></tr></thead><tbody>\n"
        for record in history.records.suffix(Self.historyRows).reversed() {
            let state = Self.state(record)
            html += "<tr class=\"run \(state.css)\"><td>\(h(Self.timestamp(record.finishedAt)))</td>"
            html += "<td><span class=\"badge \(state.css)\">\(h(state.word))</span></td>"
            if let report = record.report {
                html += "<td>\(report.summary.drift)</td><td>\(report.summary.unknown)</td><td>\(report.summary.ok)</td>"
            } else {
                html += "<td colspan=\"3\">\(h(record.error ?? ""))</td>"
            }
            html += "<td>\(String(format: "%.1f", record.durationSeconds)) s</td>"
            html += "<td><code>\(h(record.report?.source.commit.map { String($0.prefix(12)) } ?? ""))</code></td></tr>\n"
        }
        return html + "</tbody></table></section>\n"
    }

    private func h(_ text: String) -> String { UntrustedText.html(text) }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date) + " UTC"
    }

    static func ago(_ date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 60 { return "\(seconds) s ago" }
        if seconds < 3600 { return "\(seconds / 60) min ago" }
        return "\(seconds / 3600) h ago"
    }

    static let style = """
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
        header.banner{padding:18px 28px;border-bottom:1px solid #d0d7de}
        header.ok{background:#dafbe1}header.drift{background:#ffebe9}header.unknown{background:#fff8c5}
        h1{margin:0 0 6px;font-size:26px}h2{font-size:18px;margin:22px 0 10px}
        section,footer{padding:0 28px}footer{margin:24px 0;color:#59636e;font-size:13px}
        p{margin:4px 0}.source{color:#59636e}.error{color:#d1242f}.earlier{color:#9a6700}
        table{border-collapse:collapse;width:100%;table-layout:fixed}
        th,td{text-align:left;vertical-align:top;padding:6px 10px;border-bottom:1px solid #d0d7de;overflow-wrap:anywhere}
        table.findings th:nth-child(1){width:64px}table.findings th:nth-child(2){width:72px}table.findings th:nth-child(3){width:150px}
        table.findings th:nth-child(6){width:34%}
        th{font-size:13px;color:#59636e;font-weight:600}
        tr.finding.drift td{background:#fff5f5}tr.finding.unknown td{background:#fffbe6}
        td.resource{font-family:ui-monospace,monospace}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
        .badge.ok{background:#1a7f37}.badge.drift{background:#d1242f}.badge.unknown{background:#9a6700}
        .fix{color:#0550ae}pre{background:#f6f8fa;padding:6px 8px;border-radius:4px;margin:6px 0;white-space:pre-wrap}
        svg.stack{max-width:100%;height:auto;font-family:system-ui,sans-serif}
        svg .column{font-size:13px;font-weight:600;fill:#59636e}svg .node-title{font-size:13px;font-weight:600;fill:#1f2328}
        svg .node-detail{font-size:11px;fill:#59636e}svg .link-label{font-size:11px;font-weight:600}
        """
}
