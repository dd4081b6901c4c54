import Foundation
import TestSupport
import Testing

/// `reconcile --only host`, the built binary: the exit codes the host checker's
/// statuses give, and that a dry run plans nothing for it.
@Suite struct HostCommandTests {
    static func repository(_ manifest: String) async throws -> ScratchRepository {
        try await committedRepository(["manifests/host.yaml": "apiVersion: reconcile/v1\nkind: Environment\nname: host\n" + manifest])
    }

    static func run(_ manifest: String) async throws -> CommandResult {
        let repo = try await repository(manifest)
        return try await reconcile(["--dry-run", "--repo", repo.path, "--only", "host", "--format", "json"])
    }

    /// Run as `nobody`, reconcile cannot read this (root) test process's descriptors: the
    /// socket it listens on has an owner reconcile cannot see, and says so.
    @Test func anOwnerReconcileMayNotSeeIsUnknownNeverGuessed() async throws {
        try #require(getuid() == 0, "needs root, to run reconcile as another user")
        let listener = try ReservedPort(listening: true)
        let repo = try await Self.repository(
            "host:\n  listen:\n    - { port: \(listener.port), process: caddy }\n    - { port: \(listener.port) }\n")
        let home = try TemporaryDirectory(prefix: "reconcile-e2e-nobody")
        try runChecked("chown", ["-R", "65534:65534", repo.path, home.path])
        let result = try await reconcile(
            ["--reuid=65534", "--regid=65534", "--clear-groups", TestPaths.reconcileBinary]
                + ["--dry-run", "--repo", repo.path, "--only", "host", "--format", "json"],
            environment: ["HOME": home.path, "XDG_STATE_HOME": home.file("state"), "XDG_CACHE_HOME": home.file("cache")],
            runner: "setpriv")
        #expect(result.status == 3, "\(result.allOutput)")
        let findings: [[String: Any]] = try #require(try result.json()["findings"] as? [[String: Any]])
        #expect(findings.map { $0["status"] as? String } == ["unknown", "ok"])
        let message = try #require(findings.first?["message"] as? String)
        #expect(message.hasPrefix("port \(listener.port) is listening, but its owner cannot be seen ("), "\(message)")
        #expect(message.contains("descriptors could not be read without privileges"))
        #expect((findings.last?["observed"] as? String)?.contains("an owner that cannot be seen (uid 0)") == true)
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
        // Not "nginx": LiveHostTests runs one by that name and counts its pids.
        let server = try await offPool { try RenamedProcess("sleep", as: "lighttpd", ["600"]) }
        defer { server.process.stop() }
        let result = try await Self.run("host:\n  processes: { absent: [lighttpd] }\n")
        #expect(result.status == 2, "\(result.allOutput)")
        let finding = try #require((try result.json()["findings"] as? [[String: Any]])?.first)
        #expect(finding["checker"] as? String == "host" && finding["resource"] as? String == "lighttpd")
        #expect((finding["plan"] as? String)?.hasPrefix("manual: reconcile never stops processes") == true, "\(finding)")
    }
}
