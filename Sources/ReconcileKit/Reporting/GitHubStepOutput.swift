/// What one GitHub Actions step may print as annotations. GitHub shows at most 10 error,
/// 10 warning and 10 notice annotations per step and silently drops the rest, so the
/// first 10 of each level (in the order given: worst first for a run) are workflow
/// commands and the others become a table for the step summary (`$GITHUB_STEP_SUMMARY`),
/// or, where there is none, a listing for the job log: none is lost. Pure; the command
/// line writes the files.
public struct GitHubStepOutput: Sendable {
    /// GitHub's per-step limit, per level.
    public static let perLevel = 10
    /// GitHub refuses a step summary above 1 MiB; the table stays below it with room for
    /// the note saying what it could not hold.
    public static let summaryLimit = 1_000_000

    public let shown: [GitHubAnnotation]
    public let overflow: [GitHubAnnotation]

    public init(_ annotations: [GitHubAnnotation], perLevel: Int = GitHubStepOutput.perLevel) {
        var counts: [GitHubAnnotation.Level: Int] = [:]
        var shown: [GitHubAnnotation] = []
        var overflow: [GitHubAnnotation] = []
        for annotation in annotations {
            counts[annotation.level, default: 0] += 1
            if counts[annotation.level, default: 0] <= perLevel {
                shown.append(annotation)
            } else {
                overflow.append(annotation)
            }
        }
        self.shown = shown
        self.overflow = overflow
    }

    /// What goes to standard output.
    public var commands: String { shown.commands }

    /// `15 errors, 2 warnings`: what did not fit, by level.
    public var overflowCounts: String {
        GitHubAnnotation.Level.allCases.compactMap { level in
            let count = overflow.filter { $0.level == level }.count
            return count == 0 ? nil : "\(count) \(level.rawValue)\(count == 1 ? "" : "s")"
        }.joined(separator: ", ")
    }

    private var headline: String {
        "\(overflow.count) annotation\(overflow.count == 1 ? "" : "s") beyond GitHub's \(Self.perLevel) per level and step "
            + "(\(overflowCounts))"
    }

    /// The Markdown section to append to the step summary; nil when everything was shown.
    /// Cut (whole rows only) below `limit` characters with a note saying how many rows
    /// are missing.
    public func summary(limit: Int = GitHubStepOutput.summaryLimit) -> String? {
        guard !overflow.isEmpty else { return nil }
        var output = "### reconcile: \(headline)\n\n| level | where | title | message |\n| --- | --- | --- | --- |\n"
        for (index, annotation) in overflow.enumerated() {
            let place = annotation.position.map { "\($0.file):\($0.line):\($0.column)" } ?? ""
            let row =
                "| \(annotation.level.rawValue) | \(UntrustedText.markdownCell(place)) | \(UntrustedText.markdownCell(annotation.title)) "
                + "| \(UntrustedText.markdownCell(annotation.message, limit: annotation.limit)) |\n"
            let note =
                "\n> **Cut here** to stay below GitHub's 1 MiB step summary: \(overflow.count - index) more are not listed; "
                + "`--format text` (or `json`) has them all.\n"
            if output.utf8.count + row.utf8.count + note.utf8.count > limit { return output + note + "\n" }
            output += row
        }
        return output + "\n"
    }

    /// For standard error when there is no step summary (`reason` says why): the
    /// annotations that did not fit, one line each as `file:line:col: level: title:
    /// message`; empty when all were shown.
    public func logListing(because reason: String) -> String {
        guard !overflow.isEmpty else { return "" }
        let lines = overflow.map { annotation in
            let place = annotation.position.map { "\($0.file):\($0.line):\($0.column): " } ?? ""
            return UntrustedText.terminalLine(
                "\(place)\(annotation.level.rawValue): \(annotation.title): \(annotation.message)", limit: annotation.limit + 500)
                + "\n"
        }
        return "reconcile: \(headline), listed here since \(reason):\n" + lines.joined()
    }

    /// For standard error when the summary holds them: how many, and where.
    public var summaryNotice: String {
        overflow.isEmpty ? "" : "reconcile: \(headline) are in the step summary ($GITHUB_STEP_SUMMARY)\n"
    }
}
