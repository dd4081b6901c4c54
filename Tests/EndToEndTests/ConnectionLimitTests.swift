import Foundation
import TestSupport
import Testing

/// Many checks against one host: connections are capped per host, so a manifest larger
/// than the descriptor limit still ends with answers, and running out of descriptors is
/// never mistaken for a refused connection.
@Suite struct ConnectionLimitTests {
    static func manyChecks(_ count: Int) -> String {
        Manifests.health(
            (1...count).map { "  - name: c\($0)\n    url: ${base}/api/health/?n=\($0)\n    expect: { status: 200 }" }
                .joined(separator: "\n"))
    }

    /// A repository with `count` checks of one fixture server, which answers after `delay` ms.
    static func setUp(checks count: Int, delay: Int = 0) async throws -> (ScratchRepository, FixtureHTTPServer) {
        try await offPool {
            let repo = try ScratchRepository(files: ["manifests/prod.yaml": Self.manyChecks(count)])
            return (repo, try FixtureHTTPServer(delayMilliseconds: delay))
        }
    }

    @Test func fiveThousandChecksUnderAThousandDescriptorsEndWithAnswersNeverRefused() async throws {
        let (repo, server) = try await Self.setUp(checks: 5000)
        let result = try await InputBoundsTests.reconcileLimited(
            "-n 1024",
            ["--dry-run", "--repo", repo.path, "--var", "base=\(server.baseURL)", "--format", "json", "--timeout", "120"])
        #expect([0, 3].contains(result.status), "\(result.stderr)")
        #expect(!result.allOutput.contains("refused"))
        let findings = try #require(try result.json()["findings"] as? [[String: Any]])
        #expect(findings.count == 5000)
        for finding in findings where finding["status"] as? String != "ok" {
            #expect(finding["status"] as? String == "unknown")
            #expect((finding["message"] as? String)?.contains("ran out of file descriptors") == true, "\(finding)")
        }
        // The default cap of 64 per host held: the server never saw more at once.
        let concurrent = server.maxConcurrentRequests()
        #expect(concurrent > 1 && concurrent <= 64, "\(concurrent)")
    }

    @Test func runningOutOfDescriptorsIsUnknownWithThatCauseNeverRefused() async throws {
        let (repo, server) = try await Self.setUp(checks: 300, delay: 300)
        // 300 slow answers at once against 64 descriptors: some requests cannot get a socket.
        let result = try await InputBoundsTests.reconcileLimited(
            "-n 64",
            [
                "--dry-run", "--repo", repo.path, "--var", "base=\(server.baseURL)", "--format", "json",
                "--max-connections-per-host", "4096",
            ])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(!result.allOutput.contains("refused"))
        let findings = try #require(try result.json()["findings"] as? [[String: Any]])
        let unreached = findings.filter { $0["status"] as? String != "ok" }
        #expect(!unreached.isEmpty)
        for finding in unreached {
            #expect(finding["status"] as? String == "unknown")
            #expect((finding["message"] as? String)?.contains("ran out of file descriptors") == true, "\(finding)")
            #expect((finding["observed"] as? String)?.hasPrefix("out of file descriptors: Too many open files") == true)
        }
    }

    @Test func theCapPerHostIsConfigurable() async throws {
        let (repo, server) = try await Self.setUp(checks: 40, delay: 50)
        let result = try await reconcile(
            ["--dry-run", "--repo", repo.path, "--var", "base=\(server.baseURL)", "--max-connections-per-host", "4"])
        #expect(result.status == 0, "\(result.allOutput)")
        let concurrent = server.maxConcurrentRequests()
        #expect(concurrent > 1 && concurrent <= 4, "\(concurrent)")
    }
}
