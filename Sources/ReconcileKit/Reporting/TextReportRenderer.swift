/// The report for humans: drift first, then unknown, then ok; one aligned line per
/// finding, with expected / observed / fix under each finding that is not ok.
///
/// Every field can hold what a live service said, so each goes through
/// `UntrustedText.terminalLine` (controls escaped, length capped) before it is laid out;
/// a snippet keeps its lines, each escaped, and at most `maxSnippetLines` of them.
public struct TextReportRenderer: Sendable {
    /// The most lines of one fix snippet shown.
    static let maxSnippetLines = 60

    /// ANSI colour (only on a terminal, never with NO_COLOR: the caller decides).
    public var color: Bool
    /// Leave out `ok` lines (cron: quiet when in sync).
    public var hideOK: Bool
    /// Wrap long fix text at this many columns.
    public var width: Int

    public init(color: Bool = false, hideOK: Bool = false, width: Int = 100) {
        self.color = color
        self.hideOK = hideOK
        self.width = width
    }

    public func render(_ report: Report) -> String {
        let report = report.mapText({ UntrustedText.terminalLine($0) }, snippets: { UntrustedText.terminalLines($0) })
        var lines: [String] = []
        let source = report.source
        let commit = source.commit.map { String($0.prefix(12)) }
        let at =
            source.worktree
            ? "working tree (\(commit.map { "HEAD \($0)" } ?? "no commit yet"))"
            : "\(source.ref) @ \(commit ?? "no commit")"
        lines.append("reconcile \(report.mode.rawValue): \(source.manifest) from \(source.repo), \(at)")
        if source.stale {
            lines.append(
                "STALE: the remote could not be fetched; this is the cached commit (last fetched "
                    + "\(source.lastFetched ?? "never")), and the desired state may have moved on.")
        }
        lines.append("")

        let shown = report.findingsWorstFirst.filter { !(hideOK && $0.status == .ok) }
        let checkerWidth = shown.map(\.checker.count).max() ?? 0
        let resourceWidth = min(shown.map(\.resource.count).max() ?? 0, 32)
        for finding in shown {
            let label = paint(finding.status.rawValue.uppercased().padded(to: 7), finding.status)
            let head = "\(label)  \(finding.checker.padded(to: checkerWidth))  \(finding.resource.padded(to: resourceWidth))"
            lines.append("\(head)  \(finding.message)")
            guard finding.status != .ok else { continue }
            let indent = String(repeating: " ", count: 9)
            if let expected = finding.expected { lines.append("\(indent)expected  \(expected)") }
            if let observed = finding.observed { lines.append("\(indent)observed  \(observed)") }
            if let fix = finding.fix {
                lines += wrap(fix.summary, width: width - indent.count - 10).enumerated().map { index, line in
                    "\(indent)\(index == 0 ? "fix       " : "          ")\(line)"
                }
                if let snippet = fix.snippet {
                    lines += Self.snippetLines(snippet).map { "\(indent)          \($0)" }
                }
            }
            if let position = finding.position { lines.append("\(indent)declared  \(position)") }
            if let plan = finding.plan { lines.append("\(indent)plan      \(plan)") }
        }
        if !shown.isEmpty { lines.append("") }
        if !report.actions.isEmpty {
            lines.append("actions:")
            for action in report.actions {
                let detail = action.detail.map { " (\($0))" } ?? ""
                lines.append("  \(action.status.rawValue.padded(to: 11))  \(action.action)\(detail)")
            }
            lines.append("")
        }
        let summary = report.summary
        let total = summary.ok + summary.drift + summary.unknown
        var tally = "\(total) check\(total == 1 ? "" : "s"): \(summary.drift) drift, \(summary.unknown) unknown, \(summary.ok) ok"
        switch report.status {
        case .ok: tally += " (in sync)"
        case .drift: tally += " (drift)"
        case .unknown: tally += " (could not observe everything)"
        }
        lines.append(tally)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A snippet's lines (already escaped line by line), at most `maxSnippetLines`.
    static func snippetLines(_ snippet: String) -> [String] {
        let lines = snippet.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count > maxSnippetLines else { return lines }
        return lines.prefix(maxSnippetLines) + ["…[\(lines.count - maxSnippetLines) more lines]"]
    }

    private func paint(_ text: String, _ status: Status) -> String {
        guard color else { return text }
        let code =
            switch status {
            case .ok: "32"
            case .unknown: "33"
            case .drift: "31;1"
            }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    private func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !current.isEmpty && current.count + 1 + word.count > max(width, 20) {
                lines.append(current)
                current = String(word)
            } else {
                current += current.isEmpty ? String(word) : " \(word)"
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}

extension String {
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
