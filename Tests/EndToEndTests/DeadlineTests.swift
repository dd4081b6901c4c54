import Foundation
import TestSupport
import Testing

/// Every run ends within `--deadline`, git included: a remote that never answers, a
/// corrupt object, a cache another run holds. The elapsed-time checks are the feature
/// itself (the deadline), with generous margins; the rest are outcomes.
@Suite struct DeadlineTests {
    /// Margin over the deadline for a loaded test machine (the contract is 2 s).
    static let margin: Duration = .seconds(5)

    static func timed(_ body: () async throws -> CommandResult) async throws -> (CommandResult, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await body()
        return (result, clock.now - start)
    }

    static func inSyncRepository() async throws -> (ScratchRepository, FixtureHTTPServer) {
        try await offPool {
            let repo = try ScratchRepository(files: ["manifests/prod.yaml": Manifests.inSync])
            return (repo, try FixtureHTTPServer(token: RunCommandTests.token))
        }
    }

    static func run(_ remote: String, cache: TemporaryDirectory, server: FixtureHTTPServer, _ extra: [String] = [])
        async throws -> CommandResult
    {
        try await reconcile(
            [
                "--dry-run", "--repo", remote, "--cache-dir", cache.path, "--var", "base=\(server.baseURL)",
                "--format", "json",
            ] + extra,
            environment: ["RECONCILE_HEALTH_TOKEN": RunCommandTests.token])
    }

    @Test func aRemoteThatAcceptsAndNeverAnswersEndsTheRunWithinTheDeadline() async throws {
        let listener = try ReservedPort(listening: true)
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        let url = "http://127.0.0.1:\(listener.port)/config.git"
        let (result, elapsed) = try await Self.timed {
            try await reconcile(["--dry-run", "--repo", url, "--cache-dir", cache.path, "--deadline", "3"])
        }
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.stderr.contains("error: cloning \(url) did not finish within 3s"), "\(result.stderr)")
        #expect(result.stderr.contains("the remote accepted the connection but did not answer"))
        #expect(result.stdout == "")
        #expect(elapsed < .seconds(3) + Self.margin, "took \(elapsed)")
    }

    @Test func aHungFetchWithACachedCloneChecksTheCachedCommitAndSaysStale() async throws {
        let (repo, server) = try await Self.inSyncRepository()
        let remote = try await offPool { try GitHTTPRemote(serving: repo) }
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        let fresh = try await Self.run(remote.url, cache: cache, server: server)
        #expect(fresh.status == 0, "\(fresh.allOutput)")
        let freshSource = try #require(try fresh.json()["source"] as? [String: Any])
        #expect(freshSource["stale"] as? Bool == false)
        let fetchedAt = try #require(freshSource["last_fetched"] as? String)

        try remote.hang()
        let (stale, elapsed) = try await Self.timed {
            try await Self.run(remote.url, cache: cache, server: server, ["--deadline", "6"])
        }
        #expect(stale.status == 3, "\(stale.allOutput)")
        let source = try #require(try stale.json()["source"] as? [String: Any])
        #expect(source["stale"] as? Bool == true)
        #expect(source["last_fetched"] as? String == fetchedAt)
        #expect(source["commit"] as? String == (try repo.git("rev-parse", "HEAD")))
        #expect((try stale.json()["summary"] as? [String: Any])?["ok"] as? Int == 3)
        #expect(stale.stderr.contains("warning: fetching \(remote.url) did not finish within 3s"), "\(stale.stderr)")
        #expect(stale.stderr.contains("the report is stale"))
        #expect(elapsed < .seconds(6) + Self.margin, "took \(elapsed)")
    }

    @Test func aHungRemoteWithoutACacheExitsOneWithinTheDeadline() async throws {
        let (repo, server) = try await Self.inSyncRepository()
        let remote = try await offPool { try GitHTTPRemote(serving: repo) }
        try remote.hang()
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        let (result, elapsed) = try await Self.timed {
            try await Self.run(remote.url, cache: cache, server: server, ["--deadline", "3"])
        }
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.stderr.contains("error: cloning \(remote.url) did not finish within 3s"), "\(result.stderr)")
        #expect(elapsed < .seconds(3) + Self.margin, "took \(elapsed)")
    }

    @Test func aTruncatedLooseObjectEndsTheRunWithAClearError() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Manifests.unobservable])
        let blob = try repo.git("rev-parse", "HEAD:manifests/prod.yaml")
        let object = "\(repo.path)/.git/objects/\(blob.prefix(2))/\(blob.dropFirst(2))"
        chmod(object, 0o644)
        #expect(truncate(object, 20) == 0)
        for command in [["--dry-run"], ["validate"]] {
            let (result, elapsed) = try await Self.timed {
                try await reconcile(command + ["--repo", repo.path, "--deadline", "3"])
            }
            #expect(result.status == 1, "\(result.allOutput)")
            #expect(result.allOutput.contains("reading manifests/prod.yaml at "), "\(result.allOutput)")
            #expect(result.allOutput.contains("did not finish within 3s"))
            #expect(result.allOutput.contains("git fsck"))
            #expect(elapsed < .seconds(3) + Self.margin, "took \(elapsed)")
        }
    }

    @Test func partialClonesLeftByInterruptedRunsAreRemoved() async throws {
        let (repo, server) = try await Self.inSyncRepository()
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        let url = "file://\(repo.path)"
        #expect(try await Self.run(url, cache: cache, server: server).status == 0)
        let clone = (try CloneDamage.clone(in: cache.path) as NSString).lastPathComponent
        let abandoned = cache.file("\(clone).partial-4242-17")
        try cache.write("\(clone).partial-4242-17/objects/pack/tmp_pack_x", "half a pack")
        #expect(try await Self.run(url, cache: cache, server: server).status == 0)
        #expect(!FileManager.default.fileExists(atPath: abandoned))
    }

    @Test func aRunWaitsForTheCacheLockAnotherHoldsAndFallsBackToTheCachedCommit() async throws {
        let (repo, server) = try await Self.inSyncRepository()
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        let url = "file://\(repo.path)"
        #expect(try await Self.run(url, cache: cache, server: server).status == 0)
        let first = try repo.git("rev-parse", "HEAD")
        try repo.write("manifests/prod.yaml", Manifests.drifting)
        try repo.commit(message: "Drift")

        // Another run holds the lock: this one must not fetch under it.
        let lock = open(try CloneDamage.clone(in: cache.path) + ".lock", O_RDWR)
        #expect(lock >= 0 && flock(lock, LOCK_EX) == 0)
        let waited = try await Self.run(url, cache: cache, server: server, ["--deadline", "4"])
        close(lock)
        #expect(waited.status == 3, "\(waited.allOutput)")
        let source = try #require(try waited.json()["source"] as? [String: Any])
        #expect(source["stale"] as? Bool == true)
        #expect(source["commit"] as? String == first)

        let released = try await Self.run(url, cache: cache, server: server)
        #expect(released.status == 2, "\(released.allOutput)")
        #expect((try released.json()["source"] as? [String: Any])?["commit"] as? String == (try repo.git("rev-parse", "HEAD")))
    }

    @Test func overlappingRunsOnOneCacheDoNotCorruptIt() async throws {
        let (repo, server) = try await Self.inSyncRepository()
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        let url = "file://\(repo.path)"
        for round in 0..<2 {
            if round == 1 {
                try repo.write("manifests/prod.yaml", Manifests.drifting)
                try repo.commit(message: "Drift")
            }
            let head = try repo.git("rev-parse", "HEAD")
            let results = try await withThrowingTaskGroup(of: CommandResult.self) { group in
                for _ in 0..<4 { group.addTask { try await Self.run(url, cache: cache, server: server) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for result in results {
                #expect(result.status == (round == 0 ? 0 : 2), "\(result.allOutput)")
                #expect((try result.json()["source"] as? [String: Any])?["stale"] as? Bool == false)
                #expect((try result.json()["source"] as? [String: Any])?["commit"] as? String == head)
            }
        }
        try runChecked("git", ["--git-dir", try CloneDamage.clone(in: cache.path), "fsck", "--strict"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).nonEmptyAllSatisfy { !$0.contains(".partial-") })
    }
}
