import ReconcileKit
import Testing

/// GitHub shows 10 annotations of each level per step: the rest go to the step summary
/// (or the job log), in order, none lost and none twice.
@Suite struct GitHubStepOutputTests {
    static func annotations(_ level: GitHubAnnotation.Level, _ count: Int) -> [GitHubAnnotation] {
        (0..<count).map {
            GitHubAnnotation(
                level, position: SourcePosition(file: "manifests/\(level.rawValue).yaml", line: $0 + 1, column: 3),
                title: "reconcile validate", message: "\(level.rawValue) \($0)")
        }
    }

    @Test func tenOfEachLevelAreShownAndTheRestGoToTheSummaryInOrder() throws {
        let all = Self.annotations(.error, 25) + Self.annotations(.warning, 12) + Self.annotations(.notice, 3)
        let step = GitHubStepOutput(all.shuffled())
        #expect(step.shown.filter { $0.level == .error }.count == 10)
        #expect(step.shown.filter { $0.level == .warning }.count == 10)
        #expect(step.shown.filter { $0.level == .notice }.count == 3)
        #expect(step.overflow.count == 17)
        #expect(Set(step.shown + step.overflow) == Set(all))
        #expect(step.shown.count + step.overflow.count == all.count)
        let lines = step.commands.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("::error ") }.count == 10)
        #expect(lines.filter { $0.hasPrefix("::warning ") }.count == 10)
        let summary = try #require(step.summary())
        #expect(summary.hasPrefix("### reconcile: 17 annotations beyond GitHub's 10 per level and step (15 errors, 2 warnings)\n"))
        for annotation in step.overflow {
            let place = "\(annotation.position!.file):\(annotation.position!.line):3"
            #expect(summary.contains("| \(annotation.level.rawValue) | \(place) | reconcile validate | \(annotation.message) |\n"))
        }
        #expect(summary.split(separator: "\n").filter { $0.hasPrefix("| error |") || $0.hasPrefix("| warning |") }.count == 17)
    }

    @Test func theFirstOfEachLevelAreTheOnesShown() {
        let step = GitHubStepOutput(Self.annotations(.error, 12))
        #expect(step.shown.map(\.message) == (0..<10).map { "error \($0)" })
        #expect(step.overflow.map(\.message) == ["error 10", "error 11"])
    }

    @Test func tenOrFewerOfEachLevelLeaveNoSummary() {
        let step = GitHubStepOutput(Self.annotations(.error, 10) + Self.annotations(.warning, 9) + Self.annotations(.notice, 10))
        #expect(step.overflow.isEmpty)
        #expect(step.summary() == nil)
        #expect(step.logListing(because: "no summary").isEmpty)
        #expect(step.summaryNotice.isEmpty)
    }

    @Test func aSummaryTooLongForGitHubIsCutWithANoteSayingHowManyAreMissing() throws {
        let step = GitHubStepOutput(Self.annotations(.error, 60))
        let summary = try #require(step.summary(limit: 2000))
        #expect(summary.utf8.count <= 2000)
        let rows = summary.split(separator: "\n").filter { $0.hasPrefix("| error |") }.count
        #expect(rows > 10 && rows < 50)
        #expect(summary.contains("\(50 - rows) more are not listed; `--format text` (or `json`) has them all."))
    }

    @Test func withoutASummaryTheRestAreListedForTheLogOneLineEach() {
        let hostile = GitHubAnnotation(
            .warning, position: nil, title: "reconcile health", message: "line one\nline two \u{1B}[2J")
        let step = GitHubStepOutput(Self.annotations(.warning, 10) + [hostile])
        #expect(
            step.logListing(because: "GITHUB_STEP_SUMMARY is not set")
                == "reconcile: 1 annotation beyond GitHub's 10 per level and step (1 warning), listed here since GITHUB_STEP_SUMMARY is not set:\n"
                + "warning: reconcile health: line one\\nline two \\x1B[2J\n")
    }

    @Test func summaryCellsCannotBreakTheTable() throws {
        let hostile = GitHubAnnotation(.notice, position: nil, title: "t|x", message: "a | b\n<script>`c`")
        let step = GitHubStepOutput(Self.annotations(.notice, 10) + [hostile])
        let summary = try #require(step.summary())
        #expect(summary.contains("| notice |  | t\\|x | a \\| b &lt;script&gt;\\`c\\` |\n"))
    }
}
