import Foundation
import GitStore
import TestSupport
import Testing

@Suite("Resolving refs to commits")
struct ResolveTests {
    /// main: first → second; `feature` branches off first; tags on first.
    struct History {
        let scratch: ScratchRepository
        let first: String
        let second: String
        let feature: String

        init() throws {
            scratch = try ScratchRepository()
            first = try scratch.commit(["file.txt": "one\n"], message: "first")
            try scratch.git("tag", "light")
            try scratch.git("tag", "-a", "annotated", "-m", "an annotated tag")
            try scratch.git("checkout", "--quiet", "-b", "feature")
            feature = try scratch.commit(["file.txt": "feature\n"], message: "feature")
            try scratch.git("checkout", "--quiet", "main")
            second = try scratch.commit(["file.txt": "two\n"], message: "second")
        }
    }

    @Test(
        "branches, tags, shas and HEAD expressions resolve to the commit git resolves",
        arguments: ["main", "feature", "light", "annotated", "HEAD", "HEAD~1", "main^", "refs/heads/feature"])
    func resolvesLikeGit(ref: String) throws {
        let history = try History()
        let repository = try GitRepository.open(at: history.scratch.path)
        let expected = try history.scratch.git("rev-parse", "\(ref)^{commit}")
        #expect(try repository.resolve(ref).hex == expected)
    }

    @Test("an annotated tag is peeled to its commit, not the tag object")
    func annotatedTagPeeled() throws {
        let history = try History()
        let repository = try GitRepository.open(at: history.scratch.path)
        let tagObject = try history.scratch.git("rev-parse", "annotated")
        #expect(tagObject != history.first)
        #expect(try repository.resolve("annotated").hex == history.first)
    }

    @Test("full and short shas resolve to the full id; short is 12 characters")
    func shas() throws {
        let history = try History()
        let repository = try GitRepository.open(at: history.scratch.path)
        let full = try repository.resolve(history.feature)
        #expect(full.hex == history.feature)
        #expect(try repository.resolve(String(history.feature.prefix(7))) == full)
        #expect(full.short == String(history.feature.prefix(12)))
        #expect(full.description == history.feature)
        #expect(GitObjectID(hex: history.feature.uppercased()) == full)
        #expect(GitObjectID(hex: "xyz") == nil)
    }

    @Test("with a detached HEAD, HEAD is the checked-out commit")
    func detachedHead() throws {
        let history = try History()
        try history.scratch.git("checkout", "--quiet", "--detach", history.feature)
        let repository = try GitRepository.open(at: history.scratch.path)
        #expect(try repository.resolve("HEAD").hex == history.feature)
        #expect(try repository.resolve("main").hex == history.second)
    }

    @Test("origin/main resolves in a repository cloned by git")
    func originMainInClone() throws {
        let history = try History()
        let clone = try TemporaryDirectory(prefix: "reconcile-clone")
        try runChecked(
            "git", ["clone", "--quiet", history.scratch.path, clone.file("work")], environment: ScratchRepository.environment)
        let repository = try GitRepository.open(at: clone.file("work"))
        #expect(try repository.resolve("origin/main").hex == history.second)
        #expect(try repository.resolve("origin/feature").hex == history.feature)
    }

    @Test(
        "refs that name no commit are .unknownRef carrying libgit2's message",
        arguments: ["nope", "HEAD~99", "0123456789abcdef0123456789abcdef01234567", "light:file.txt"])
    func unknownRef(ref: String) throws {
        let history = try History()
        let repository = try GitRepository.open(at: history.scratch.path)
        let error = try #require(throws: GitError.self) { try repository.resolve(ref) }
        guard case .unknownRef(ref, let message) = error else {
            Issue.record("expected unknownRef(\(ref)), got \(error)")
            return
        }
        #expect(!message.isEmpty)
        #expect(error.description == "unknown ref '\(ref)': \(message)")
    }

    @Test("an empty repository has no HEAD commit")
    func unbornHead() throws {
        let scratch = try ScratchRepository()
        let repository = try GitRepository.open(at: scratch.path)
        #expect(throws: GitError.self) { try repository.resolve("HEAD") }
    }
}
