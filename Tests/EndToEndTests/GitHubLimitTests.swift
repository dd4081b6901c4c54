import Foundation
import TestSupport
import Testing

/// `--format github` of `validate`, `run` and `plan` keeps to GitHub's 10 annotations of
/// each level per step: the rest are appended to `$GITHUB_STEP_SUMMARY` as a table (or
/// listed on stderr when it is not set), every one exactly once.
@Suite struct GitHubLimitTests {
    /// 25 unknown keys in one manifest (25 errors) and 12 health URLs no Caddy route
    /// answers in another (12 warnings), committed.
    static func validateRepository(errors: Int = 25, warnings: Int = 12) async throws -> ScratchRepository {
        let broken =
            "apiVersion: reconcile/v1\nkind: Environment\nname: broken\n"
            + (0..<errors).map { "bogus\($0): 1\n" }.joined()
        let warned = """
            apiVersion: reconcile/v1
            kind: Environment
            name: warned
            caddy:
              admin: http://127.0.0.1:2019
              sites:
                - hosts: [rims.example.com]
                  routes:
                    - path: /api/*
                      reverse_proxy: ["127.0.0.1:8000"]
            health:

            """
            + (0..<warnings).map { "  - name: check\($0)\n    url: https://rims.example.com/other\($0)/\n    expect: { status: 200 }\n" }
            .joined()
        return try await committedRepository(["manifests/broken.yaml": broken, "manifests/warned.yaml": warned])
    }

    /// `reconcile arguments` with GITHUB_STEP_SUMMARY naming a file in a new directory
    /// (holding `earlier` when given); the result, and the file's text after (nil: none).
    static func withStepSummary(_ arguments: [String], earlier: String? = nil) async throws -> (CommandResult, summary: String?) {
        let scratch = try TemporaryDirectory(prefix: "reconcile-step-summary")
        if let earlier { try scratch.write("summary.md", earlier) }
        let result = try await reconcile(arguments, environment: ["GITHUB_STEP_SUMMARY": scratch.file("summary.md")])
        return (result, try? String(contentsOfFile: scratch.file("summary.md"), encoding: .utf8))
    }

    static func commands(_ stdout: String, _ level: String) -> [Substring] {
        stdout.split(separator: "\n").filter { $0.hasPrefix("::\(level) ") }
    }

    @Test func validateShowsTenOfEachLevelAndPutsTheOther17InTheStepSummary() async throws {
        let repo = try await Self.validateRepository()
        let (result, written) = try await Self.withStepSummary(
            ["validate", "--repo", repo.path, "--format", "github"], earlier: "earlier steps' summary\n")
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(Self.commands(result.stdout, "error").count == 10)
        #expect(Self.commands(result.stdout, "warning").count == 10)
        #expect(result.stdout.split(separator: "\n").count == 20, "\(result.stdout)")
        let summary = try #require(written)
        #expect(
            summary.hasPrefix(
                "earlier steps' summary\n### reconcile: 17 annotations beyond GitHub's 10 per level and step (15 errors, 2 warnings)\n"))
        let rows = summary.split(separator: "\n").filter { $0.hasPrefix("| error |") || $0.hasPrefix("| warning |") }
        #expect(rows.count == 17, "\(summary)")
        // Nothing lost, nothing twice: each key and each health check is in exactly one place.
        for name in (0..<25).map({ "bogus\($0): unknown key" }) + (0..<12).map({ "health check check\($0):" }) {
            let shown = result.stdout.components(separatedBy: name).count - 1
            let summarised = summary.components(separatedBy: name).count - 1
            #expect(shown + summarised == 1, "\(name): \(shown) shown, \(summarised) in the summary")
        }
        #expect(
            result.stderr.contains("17 annotations beyond GitHub's 10 per level and step (15 errors, 2 warnings) are in the step summary"))
    }

    @Test func withoutAStepSummaryTheRestAreListedOnStandardError() async throws {
        let repo = try await Self.validateRepository()
        let result = try await reconcile(["validate", "--repo", repo.path, "--format", "github"])
        #expect(result.status == 1)
        #expect(Self.commands(result.stdout, "error").count == 10)
        #expect(result.stderr.contains("listed here since GITHUB_STEP_SUMMARY is not set:\n"), "\(result.stderr)")
        for index in 10..<25 {
            #expect(result.stderr.contains("manifests/broken.yaml:\(index + 4):1: error: reconcile validate: bogus\(index): "))
        }
    }

    @Test func tenOrFewerOfEachLevelLeaveTheStepSummaryAlone() async throws {
        let repo = try await Self.validateRepository(errors: 10, warnings: 10)
        let (result, summary) = try await Self.withStepSummary(["validate", "--repo", repo.path, "--format", "github"])
        #expect(result.status == 1)
        #expect(Self.commands(result.stdout, "error").count == 10)
        #expect(Self.commands(result.stdout, "warning").count == 10)
        #expect(summary == nil, "the step summary was written")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func aRunsDriftBeyondTenGoesToTheStepSummary() async throws {
        let checks = (0..<12).map { "  - name: down\($0)\n    url: ${base}/down\($0)\n    expect: { status: 200 }\n" }.joined()
        let repo = try await committedRepository(["manifests/prod.yaml": Manifests.health(checks)])
        let (result, written) = try await Self.withStepSummary(["--dry-run", "--repo", repo.path, "--format", "github"])
        // A refused connection is drift: the service is down.
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(Self.commands(result.stdout, "error").count == 10)
        let summary = try #require(written)
        #expect(summary.split(separator: "\n").filter { $0.hasPrefix("| error | manifests/prod.yaml:") }.count == 2, "\(summary)")
    }

    @Test func aPlansNoticesBeyondTenGoToTheStepSummary() async throws {
        let routes = (0..<12).map { "        - path: /r\($0)/*\n          reverse_proxy: [\"127.0.0.1:80\($0 + 10)\"]\n" }.joined()
        let head = try PlanCommandTests.edited([("      routes:\n", "      routes:\n" + routes)])
        let repo = try await pullRequestRepository(
            base: [PlanCommandTests.manifest: PlanCommandTests.stack], head: [PlanCommandTests.manifest: head])
        let (result, written) = try await Self.withStepSummary(["plan", "--repo", repo.path, "--base", "base", "--format", "github"])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(Self.commands(result.stdout, "notice").count == 10)
        let summary = try #require(written)
        #expect(summary.contains("| notice | manifests/production.yaml:"))
        #expect(summary.contains("added caddy route rims.example.com /r11/\\*"), "\(summary)")
        #expect(summary.split(separator: "\n").filter { $0.hasPrefix("| notice |") }.count == 2)
    }
}
