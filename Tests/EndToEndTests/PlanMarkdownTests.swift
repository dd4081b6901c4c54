import Foundation
import TestSupport
import Testing

/// `reconcile plan --format markdown` as GitHub shows it in a PR comment: rendered by
/// cmark-gfm (GitHub's Markdown, its table extension, raw HTML kept as GitHub keeps it
/// before sanitising). A fork chooses its branch name and the manifest's names, so
/// neither may become markup, a mention or an issue link; and the whole comment stays
/// below GitHub's 65,536 characters, however many manifests the change adds.
@Suite struct PlanMarkdownTests {
    /// The HTML of `markdown`.
    static func rendered(_ markdown: String) throws -> String {
        let result = try run("cmark-gfm", ["--extension", "table", "--unsafe"], stdin: markdown)
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    @Test func aBranchNameStaysInItsCodeSpanAndManifestNamesMentionNoOne() async throws {
        let branch = "feat`<b>x</b>`|y"
        let repo = try await offPool {
            let repo = try ScratchRepository()
            try repo.commit([PlanCommandTests.manifest: PlanCommandTests.stack], message: "base")
            try repo.git("checkout", "-q", "-b", branch)
            try repo.commit(
                [
                    PlanCommandTests.manifest: PlanCommandTests.stack
                        + "  - name: \"ping @octocat about #123\"\n    url: https://rims.example.com/\n    expect: { status: 200 }\n"
                ], message: "head")
            try repo.git("checkout", "-q", "main")
            return repo
        }
        let result = try await reconcile(
            ["plan", "--repo", repo.path, "--base", "main", "--head", branch, "--format", "markdown"])
        #expect(result.status == 2, "\(result.allOutput)")
        let html = try Self.rendered(result.stdout)
        #expect(!html.contains("<b>"), "\(html)")
        #expect(html.contains(" (feat`&lt;b&gt;x&lt;/b&gt;`|y)</code>"), "\(html)")
        // GitHub links `@name` and `#123` in the rendered text, escaped or not: a joiner breaks them.
        #expect(!html.contains("@octocat") && !html.contains("#123"), "\(html)")
        #expect(html.contains("ping @\u{200D}octocat about #\u{200D}123"), "\(html)")
    }

    @Test func fifteenHundredAddedManifestsStayBelowGitHubsLimitWithANote() async throws {
        var files: [String: String?] = [:]
        for index in 0..<1_500 {
            files["manifests/environment-\(index).yaml"] =
                "apiVersion: reconcile/v1\nkind: Environment\nname: environment-number-\(index)\n"
        }
        let repo = try await pullRequestRepository(base: ["README.md": "base\n"], head: files)
        let result = try await reconcile(["plan", "--repo", repo.path, "--base", "base", "--format", "markdown"])
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(result.stdout.count <= 65_000, "\(result.stdout.count) characters")
        #expect(result.stdout.count > 60_000, "\(result.stdout.count) characters")
        let note = try #require(result.stdout.split(separator: "\n").last)
        #expect(note.hasPrefix("> **Cut here** to stay below GitHub's 65,536 characters: "))
        let listed = result.stdout.split(separator: "\n").filter { $0.hasPrefix("- manifest manifests/environment-") }.count
        #expect(note.contains(": \(1_500 - listed) of 1500 manifest lines are not listed. "), "\(note)")
        #expect(try Self.rendered(result.stdout).contains("<blockquote>"))
    }

    /// GitHub counts every code point (UTF-16 unit for the API), and the joiner after each
    /// `@` and `#` is one: Swift's `count` folds it into the `@` before it, so a plan of
    /// many mentions was cut by a length shorter than GitHub's and passed its limit.
    @Test func theJoinersAfterMentionsCountTowardsGitHubsLimit() async throws {
        let repo = try await offPool {
            let repo = try ScratchRepository()
            try repo.commit(["README.md": "base\n"], message: "base")
            try repo.git("tag", "base")
            var files: [String: String?] = [:]
            for index in 0..<1_500 {
                files["manifests/e\(index).yaml"] =
                    "apiVersion: reconcile/v1\nkind: Environment\nname: \"@a#1@b#2@c#3@d#4@e#5@f#6 \(index)\"\n"
            }
            try repo.commit(files, message: "head")
            return repo
        }
        let result = try await reconcile(["plan", "--repo", repo.path, "--base", "base", "--format", "markdown"])
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(result.stdout.contains("@\u{200D}a#\u{200D}1"))
        #expect(result.stdout.utf16.count <= 65_000, "\(result.stdout.utf16.count) UTF-16 units")
        #expect(result.stdout.utf16.count > 60_000, "\(result.stdout.utf16.count) UTF-16 units")
    }
}
