import Foundation
import TestSupport
import Testing

/// `reconcile --only host`, the built binary: the exit codes the host checker's
/// statuses give, and that a dry run plans nothing for it.
@Suite struct HostCommandTests {
    static func run(_ manifest: String) async throws -> CommandResult {
        let repo = try await offPool {
            let repo = try ScratchRepository()
            try repo.write("manifests/host.yaml", "apiVersion: reconcile/v1\nkind: Environment\nname: host\n" + manifest)
            try repo.commit(message: "Desired host")
            return repo
        }
        return try await reconcile(["--dry-run", "--repo", repo.path, "--only", "host", "--format", "json"])
    }

    @Test func servicesWithoutSystemdAreUnknownAndExitThree() async throws {
        try #require(!FileManager.default.fileExists(atPath: "/run/systemd/system"), "needs a host without systemd")
        let result = try await Self.run("host:\n  services: [{ unit: caddy.service, active: true }]\n")
        #expect(result.status == 3, "\(result.allOutput)")
        let findings = try #require(try result.json()["findings"] as? [[String: Any]])
        #expect(findings.map { $0["status"] as? String } == ["unknown"])
        #expect((findings.first?["message"] as? String)?.hasPrefix("systemd is not running on this host") == true)
    }

    @Test func aProcessThatMustNotRunExitsTwoAndIsLeftToPeople() async throws {
        let nginx = try await offPool { try RenamedProcess("sleep", as: "nginx", ["600"]) }
        defer { nginx.process.stop() }
        let result = try await Self.run("host:\n  processes: { absent: [nginx] }\n")
        #expect(result.status == 2, "\(result.allOutput)")
        let finding = try #require((try result.json()["findings"] as? [[String: Any]])?.first)
        #expect(finding["checker"] as? String == "host" && finding["resource"] as? String == "nginx")
        #expect((finding["plan"] as? String)?.hasPrefix("manual: reconcile never stops processes") == true, "\(finding)")
    }
}
