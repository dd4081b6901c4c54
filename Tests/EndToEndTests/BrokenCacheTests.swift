import Foundation
import TestSupport
import Testing

/// A cached clone broken on disk is cloned again with one warning, while an unreachable
/// remote (healthy cache: stale, exit 3) and an unknown ref (exit 1) stay what they were.
@Suite struct BrokenCacheTests {
    /// An in-sync repository served as `file://`, cloned into `cache` by a first run.
    static func cachedRun() async throws -> (ScratchRepository, FixtureHTTPServer, TemporaryDirectory, String) {
        let (repo, server) = try await DeadlineTests.inSyncRepository()
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        let first = try await DeadlineTests.run("file://\(repo.path)", cache: cache, server: server)
        #expect(first.status == 0, "\(first.allOutput)")
        #expect(!first.stderr.contains("warning"), "\(first.stderr)")
        return (repo, server, cache, try CloneDamage.clone(in: cache.path))
    }

    /// Damages the clone, commits upstream, and expects the next run to clone again,
    /// check the new commit, and say so in one warning line.
    func expectRecovery(reason: String, damage: (String) throws -> Void) async throws {
        let (repo, server, cache, clone) = try await Self.cachedRun()
        try damage(clone)
        let head = try repo.commit(["notes.txt": "a new upstream commit\n"])

        let result = try await DeadlineTests.run("file://\(repo.path)", cache: cache, server: server)
        #expect(result.status == 0, "\(result.allOutput)")
        let warnings = result.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: ") }
        #expect(warnings.count == 1, "\(result.stderr)")
        #expect(warnings.first?.hasPrefix("warning: the cached clone at \(clone) was unusable (\(reason)") == true, "\(result.stderr)")
        #expect(warnings.first?.hasSuffix("); cloned again") == true)
        let source = try #require(try result.json()["source"] as? [String: Any])
        #expect(source["commit"] as? String == head)
        #expect(source["stale"] as? Bool == false)

        let again = try await DeadlineTests.run("file://\(repo.path)", cache: cache, server: server)
        #expect(again.status == 0, "\(again.allOutput)")
        #expect(!again.stderr.contains("warning"), "\(again.stderr)")
    }

    @Test func anEmptiedConfigInTheCachedCloneIsClonedAgainWithAWarning() async throws {
        try await expectRecovery(reason: "it has no remote 'origin'") { try CloneDamage.emptyConfig(of: $0) }
    }

    @Test func garbageInTheCachedPacksIsClonedAgainWithAWarning() async throws {
        try await expectRecovery(reason: "refs/heads/main cannot be read: ") { try CloneDamage.garbagePacks(of: $0) }
    }

    @Test func anUnreachableRemoteWithAHealthyCacheStillChecksTheCachedCommitAndSaysStale() async throws {
        let (repo, server, cache, _) = try await Self.cachedRun()
        let head = try repo.git("rev-parse", "HEAD")
        let url = "file://\(repo.path)"
        let moved = repo.path + "-moved"
        try FileManager.default.moveItem(atPath: repo.path, toPath: moved)
        defer { try? FileManager.default.moveItem(atPath: moved, toPath: repo.path) }

        let result = try await DeadlineTests.run(url, cache: cache, server: server)
        #expect(result.status == 3, "\(result.allOutput)")
        #expect(result.stderr.contains("warning: could not fetch \(url): "), "\(result.stderr)")
        #expect(result.stderr.contains("the report is stale"))
        #expect(!result.stderr.contains("cloned again"))
        let source = try #require(try result.json()["source"] as? [String: Any])
        #expect(source["stale"] as? Bool == true)
        #expect(source["commit"] as? String == head)
    }

    @Test func anUnknownRefWithAHealthyCacheIsStillAnUnknownRef() async throws {
        let (repo, server, cache, _) = try await Self.cachedRun()
        let result = try await DeadlineTests.run("file://\(repo.path)", cache: cache, server: server, ["--ref", "nope"])
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.stderr.contains("unknown ref 'nope'"), "\(result.stderr)")
        #expect(!result.stderr.contains("warning"), "\(result.stderr)")
    }

    @Test func aBrokenCacheWhoseRemoteIsGoneExitsOneNamingTheCacheAndTheCause() async throws {
        let (repo, server, cache, clone) = try await Self.cachedRun()
        try CloneDamage.garbagePacks(of: clone)
        let moved = repo.path + "-moved"
        try FileManager.default.moveItem(atPath: repo.path, toPath: moved)
        defer { try? FileManager.default.moveItem(atPath: moved, toPath: repo.path) }

        let result = try await DeadlineTests.run("file://\(repo.path)", cache: cache, server: server)
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.stderr.contains("the cached clone at \(clone) was unusable (refs/heads/main cannot be read: "), "\(result.stderr)")
        #expect(result.stderr.contains("and cloning again failed: git_clone failed: "))
        #expect(!result.stderr.contains("unknown ref"))
        #expect(!result.stderr.contains("stale"))
    }

    @Test func cloningABrokenCacheAgainFromAHungRemoteEndsWithinTheDeadline() async throws {
        let (repo, server) = try await DeadlineTests.inSyncRepository()
        let remote = try await offPool { try GitHTTPRemote(serving: repo) }
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        #expect(try await DeadlineTests.run(remote.url, cache: cache, server: server).status == 0)
        try CloneDamage.emptyConfig(of: try CloneDamage.clone(in: cache.path))
        try remote.hang()

        let (result, elapsed) = try await DeadlineTests.timed {
            try await DeadlineTests.run(remote.url, cache: cache, server: server, ["--deadline", "4"])
        }
        #expect(result.status == 1, "\(result.allOutput)")
        // Within the fetch's share (2s), or the whole 4s when the process started slowly.
        #expect(result.stderr.contains("error: fetching \(remote.url) did not finish within "), "\(result.stderr)")
        #expect(!result.stderr.contains("not a git repository"))
        #expect(elapsed < .seconds(4) + DeadlineTests.margin, "took \(elapsed)")
    }
}
