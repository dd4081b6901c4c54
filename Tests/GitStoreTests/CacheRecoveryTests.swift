import Foundation
import GitStore
import TestSupport
import Testing

/// A cached clone broken on disk is cloned again once (and says why); a healthy one is
/// only fetched; a broken one whose remote is gone is an error naming the cache.
@Suite("Recovering a broken cached clone")
struct CacheRecoveryTests {
    /// An origin with one commit, its cached clone, and the clone's path.
    static func cachedClone() throws -> (origin: ScratchRepository, cache: TemporaryDirectory, clone: String) {
        let origin = try ScratchRepository(files: ["manifests/prod.yaml": "name: first\n"])
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        let first = try GitRepository.cloneOrFetch(url: "file://\(origin.path)", cacheDirectory: cache.path)
        #expect(first.replacedCache == nil)
        return (origin, cache, try CloneDamage.clone(in: cache.path))
    }

    /// Damages the clone, commits upstream, and checks the next fetch clones again and
    /// sees the new commit, then that the one after it only fetches.
    func expectRecovery(reason expected: String, damage: (String) throws -> Void) throws {
        let (origin, cache, clone) = try Self.cachedClone()
        try damage(clone)
        let head = try origin.commit(["manifests/prod.yaml": "name: second\n"])
        let url = "file://\(origin.path)"

        let recovered = try GitRepository.cloneOrFetch(url: url, cacheDirectory: cache.path)
        let replaced = try #require(recovered.replacedCache)
        #expect(replaced.path == clone)
        #expect(replaced.reason.contains(expected), "\(replaced.reason)")
        #expect(replaced.description == "the cached clone at \(clone) was unusable (\(replaced.reason)); cloned again")
        #expect(try recovered.resolve("main").hex == head)
        #expect(try recovered.readFile("manifests/prod.yaml", at: recovered.resolve("main")) == Data("name: second\n".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).count == 2, "scratch left behind")

        let again = try GitRepository.cloneOrFetch(url: url, cacheDirectory: cache.path)
        #expect(again.replacedCache == nil)
        #expect(try again.resolve("main").hex == head)
    }

    @Test func aCloneWhoseConfigWasEmptiedIsClonedAgain() throws {
        try expectRecovery(reason: "it has no remote 'origin'") { try CloneDamage.emptyConfig(of: $0) }
    }

    @Test func aCloneWithGarbagePacksIsClonedAgain() throws {
        try expectRecovery(reason: "refs/heads/main cannot be read") { try CloneDamage.garbagePacks(of: $0) }
    }

    @Test func aCloneWhoseOriginPointsElsewhereIsClonedAgain() throws {
        let elsewhere = try ScratchRepository(files: ["other": "x\n"])
        try expectRecovery(reason: "its origin is 'file://\(elsewhere.path)'") { clone in
            try runChecked("git", ["--git-dir", clone, "remote", "set-url", "origin", "file://\(elsewhere.path)"])
        }
    }

    @Test func aCloneThatIsNoRepositoryAnyMoreIsClonedAgain() throws {
        try expectRecovery(reason: "it cannot be opened") { clone in
            for name in ["HEAD", "objects", "refs"] {
                try FileManager.default.removeItem(atPath: (clone as NSString).appendingPathComponent(name))
            }
        }
    }

    @Test func aBrokenCloneWhoseRemoteIsGoneIsAnErrorNamingTheCacheNotTheRef() throws {
        let (origin, cache, clone) = try Self.cachedClone()
        try CloneDamage.garbagePacks(of: clone)
        let url = "file://\(origin.path)"
        let moved = origin.path + "-moved"
        try FileManager.default.moveItem(atPath: origin.path, toPath: moved)
        defer { try? FileManager.default.moveItem(atPath: moved, toPath: origin.path) }

        let error = try #require(throws: GitError.self) {
            try GitRepository.cloneOrFetch(url: url, cacheDirectory: cache.path)
        }
        guard case .unusableCache(clone, let reason, let cloneFailure) = error else {
            Issue.record("expected unusableCache(\(clone)), got \(error)")
            return
        }
        #expect(reason.contains("refs/heads/main cannot be read"), "\(reason)")
        #expect(cloneFailure.hasPrefix("git_clone failed: "), "\(cloneFailure)")
        #expect(error.description.hasPrefix("the cached clone at \(clone) was unusable ("), "\(error)")
        #expect(!error.description.contains("unknown ref"))
    }

    @Test func removingABrokenCloneNeverFollowsSymbolicLinksOutOfTheCache() throws {
        let (origin, cache, clone) = try Self.cachedClone()
        let url = "file://\(origin.path)"
        let outside = try TemporaryDirectory(prefix: "reconcile-outside")
        let keep = try outside.write("keep/precious", "do not delete\n")

        // A link inside the clone pointing out of the cache.
        try FileManager.default.createSymbolicLink(
            atPath: (clone as NSString).appendingPathComponent("link-out"), withDestinationPath: outside.file("keep"))
        try CloneDamage.emptyConfig(of: clone)
        #expect(try GitRepository.cloneOrFetch(url: url, cacheDirectory: cache.path).replacedCache != nil)
        #expect(FileManager.default.fileExists(atPath: keep))

        // The clone itself is a link to a directory elsewhere: only the link goes.
        let relocated = outside.file("clone")
        try FileManager.default.moveItem(atPath: clone, toPath: relocated)
        try FileManager.default.createSymbolicLink(atPath: clone, withDestinationPath: relocated)
        try CloneDamage.emptyConfig(of: clone)
        #expect(try GitRepository.cloneOrFetch(url: url, cacheDirectory: cache.path).replacedCache != nil)
        #expect(FileManager.default.fileExists(atPath: keep))
        #expect(FileManager.default.fileExists(atPath: (relocated as NSString).appendingPathComponent("HEAD")))
        let attributes = try FileManager.default.attributesOfItem(atPath: clone)
        #expect(attributes[.type] as? FileAttributeType == .typeDirectory)
    }
}
