import Foundation
import GitStore
import TestSupport
import Testing

@Suite("Cloning and fetching into the cache")
struct CloneTests {
    @Test("cloneOrFetch clones once (creating the cache directory), then fetches new commits, new tags and deleted branches")
    func cloneThenFetch() throws {
        let origin = try ScratchRepository()
        let first = try origin.commit(["manifests/prod.yaml": "name: first\n"])
        try origin.git("branch", "doomed")
        let scratch = try TemporaryDirectory(prefix: "reconcile-cache")
        let cache = scratch.file("state/git")
        let url = "file://\(origin.path)"

        let clone = try GitRepository.cloneOrFetch(url: url, cacheDirectory: cache)
        #expect(clone.isCachedClone)
        #expect(clone.workingDirectory == nil)
        #expect(clone.path.hasPrefix(cache + "/"))
        #expect(try clone.resolve("main").hex == first)
        #expect(try clone.resolve("origin/main").hex == first)
        #expect(try clone.resolve("doomed").hex == first)
        // The clone, and the lock overlapping runs take turns on (EndToEndTests.DeadlineTests).
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache).sorted()
        #expect(entries.count == 2 && entries[1] == entries[0] + ".lock", "\(entries)")
        let marker = (clone.path as NSString).appendingPathComponent("reconcile-test-marker")
        try Data().write(to: URL(fileURLWithPath: marker))

        let second = try origin.commit(["manifests/prod.yaml": "name: second\n"])
        let third = try origin.commit(["manifests/prod.yaml": "name: third\n"])
        try origin.git("tag", "-a", "v2", "-m", "release", second)
        try origin.git("branch", "-D", "doomed")

        let fetched = try GitRepository.cloneOrFetch(url: url, cacheDirectory: cache)
        #expect(fetched.path == clone.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).sorted() == entries)
        #expect(FileManager.default.fileExists(atPath: marker), "the second call cloned afresh instead of fetching")
        let main = try fetched.resolve("main")
        #expect(main.hex == third)
        #expect(try fetched.resolve("main~1").hex == second)
        #expect(try fetched.resolve("HEAD").hex == third)
        #expect(try fetched.resolve("v2").hex == second)
        #expect(try fetched.readFile("manifests/prod.yaml", at: main) == Data("name: third\n".utf8))
        #expect(throws: GitError.self) { try fetched.resolve("origin/doomed") }
    }

    @Test("a plain path is a remote too; the cache name is readable and URL-specific")
    func plainPathAndCacheName() throws {
        let origin = try ScratchRepository()
        let sha = try origin.commit(["a": "a\n"])
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        let repository = try GitRepository.cloneOrFetch(url: origin.path, cacheDirectory: cache.path)
        #expect(try repository.resolve("main").hex == sha)
        let other = try GitRepository.cloneOrFetch(url: "file://\(origin.path)", cacheDirectory: cache.path)
        #expect(other.path != repository.path)

        let originName = (origin.path as NSString).lastPathComponent
        for name in try FileManager.default.contentsOfDirectory(atPath: cache.path) where !name.hasSuffix(".lock") {
            #expect(name.range(of: "^[A-Za-z0-9._-]+-[0-9a-f]{12}$", options: .regularExpression) != nil)
            #expect(name.contains(originName))
        }
    }

    @Test("a remote answering 401 is .authenticationFailed, without looping or leaking the password")
    func authenticationFailed() throws {
        let reserved = try ReservedPort(forAServer: true)
        let port = reserved.port
        let server = try ManagedProcess(
            TestPaths.python, [TestPaths.fixture("servers/git_auth_server.py"), "--port", String(port)], holding: [reserved])
        defer { server.stop() }
        try waitUntil("git auth server on port \(port)") { isListening(port: port) || !server.process.isRunning }
        #expect(server.process.isRunning, "server exited: \(server.output)")
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        let requests = { server.output.split(separator: "\n").filter { $0.contains(" auth=") } }

        for (url, offersCredentials) in [
            ("http://127.0.0.1:\(port)/repo.git", false), ("http://user:secret@127.0.0.1:\(port)/repo.git", true),
        ] {
            let error = try #require(throws: GitError.self) {
                try GitRepository.cloneOrFetch(url: url, cacheDirectory: cache.path)
            }
            guard case .authenticationFailed(let reported, let message) = error else {
                Issue.record("expected authenticationFailed, got \(error)")
                continue
            }
            #expect(reported == "http://127.0.0.1:\(port)/repo.git")
            #expect(!message.isEmpty)
            #expect(!error.description.contains("secret"))
            #expect(error.description.hasPrefix("authentication failed for '\(reported)': "))
            let authorised = requests().filter { $0.hasSuffix("auth=yes") }
            #expect(authorised.count == (offersCredentials ? 1 : 0), "\(server.output)")
        }
        #expect(requests().count <= 6, "libgit2 looped: \(server.output)")
        // No clone and no scratch left behind: only the lock file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).nonEmptyAllSatisfy { $0.hasSuffix(".lock") })
    }

    @Test("an unreachable remote is a .libgit2 error naming git_clone, with no password in it")
    func unreachable() throws {
        let refusing = try ReservedPort()
        let port = refusing.port
        let cache = try TemporaryDirectory(prefix: "reconcile-cache")
        let error = try #require(throws: GitError.self) {
            try GitRepository.cloneOrFetch(url: "http://user:secret@127.0.0.1:\(port)/repo.git", cacheDirectory: cache.path)
        }
        guard case .libgit2(call: "git_clone", let message) = error else {
            Issue.record("expected libgit2(git_clone), got \(error)")
            return
        }
        #expect(message.contains("127.0.0.1"))
        #expect(!error.description.contains("secret"))
    }
}
