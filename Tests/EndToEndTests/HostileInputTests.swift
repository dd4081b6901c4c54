import Foundation
import TestSupport
import Testing

/// The built binary against input written to hurt: a working tree whose links point
/// outside it, paths with `..`, a report path with links planted at predictable names,
/// and flags that would make a dry run write.
@Suite struct HostileInputTests {
    /// What an environment dump outside the tree holds: it must never be printed.
    static let leakedSecret = "RECONCILE_HEALTH_TOKEN=ghp_LEAKED0123456789abcdef"

    /// A repository whose `manifests/prod.yaml` is a symbolic link to a file outside the
    /// tree (standing in for `/proc/self/environ`), committed so `git` keeps it.
    static func repositoryWithEscapingLink() throws -> (ScratchRepository, TemporaryDirectory) {
        let outside = try TemporaryDirectory(prefix: "reconcile-outside")
        let dump = try outside.write("environ", "PATH=/usr/bin\n\(leakedSecret)\nHOME=/root\n")
        let repo = try ScratchRepository()
        try FileManager.default.createDirectory(atPath: repo.directory.file("manifests"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: repo.directory.file("manifests/prod.yaml"), withDestinationPath: dump)
        try repo.commit(message: "A manifest that is a link out of the tree")
        return (repo, outside)
    }

    @Test(arguments: [["--dry-run"], ["validate"], ["validate", "--format", "github"], ["--dry-run", "--format", "github"]])
    func aSymlinkedManifestPointingOutsideTheWorktreeIsRefusedAndNeverPrinted(_ command: [String]) async throws {
        let (repo, outside) = try await offPool { try Self.repositoryWithEscapingLink() }
        let result = try await reconcile(command + ["--repo", repo.path, "--worktree"])
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.allOutput.contains("manifests/prod.yaml"))
        #expect(result.allOutput.contains("a symbolic link that resolves outside the working tree"), "\(result.allOutput)")
        #expect(!result.allOutput.contains("ghp_LEAKED"))
        #expect(!result.allOutput.contains("PATH=/usr/bin"))
        #expect(!result.allOutput.contains(outside.path))
    }

    @Test func aSymlinkInsideTheWorktreeIsFollowed() async throws {
        let repo = try await offPool { try ScratchRepository() }
        try repo.write("shared/health.yaml", Manifests.health("  - name: api\n    url: ${base}/status/502\n    expect: { status: 502 }"))
        try FileManager.default.createDirectory(atPath: repo.directory.file("manifests"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: repo.directory.file("manifests/prod.yaml"), withDestinationPath: "../shared/health.yaml")
        let result = try await reconcile(["validate", "--repo", repo.path, "--worktree"])
        #expect(result.status == 0, "\(result.allOutput)")
    }

    @Test(arguments: ["../outside.yaml", "manifests/../../outside.yaml", "/etc/passwd"])
    func aManifestPathLeavingTheWorktreeIsRefused(_ path: String) async throws {
        let repo = try await offPool { try ScratchRepository() }
        try repo.write("manifests/prod.yaml", Manifests.inSync)
        let outside = try await offPool { try TemporaryDirectory(prefix: "reconcile-outside") }
        try outside.write("outside.yaml", "\(Self.leakedSecret)\n")
        let result = try await reconcile(["validate", "--repo", repo.path, "--worktree", path])
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.allOutput.contains("refusing to read '\(path)' with --worktree"), "\(result.allOutput)")
        #expect(!result.allOutput.contains("ghp_LEAKED"))
        #expect(!result.allOutput.contains("root:x:0"))
    }

    @Test func probeWriteWithDryRunIsRefused() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Manifests.inSync])
        let result = try await reconcile(["--dry-run", "--probe-write", "--repo", repo.path])
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.stderr.contains("--probe-write writes a probe file into the live media volume"))
        #expect(result.stdout == "")
    }

    @Test func linksPlantedAtPredictableTemporaryNamesCannotRedirectTheReportFile() async throws {
        // The old temporary name was `.report.json.PID.tmp`: plant a link to a victim file
        // at that name for the pids the next processes will get, and at the pid-less name.
        let repo = try await committedRepository(["manifests/prod.yaml": Manifests.drifting])
        let server = try await offPool { try FixtureHTTPServer() }
        let shared = try await offPool { try TemporaryDirectory(prefix: "reconcile-reports") }
        let victim = try shared.write("victim/passwd", "root:x:0:0:untouched\n")
        let probe = try await offPool { try run("sh", ["-c", "echo $$"]) }
        let lastPid = try #require(Int(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let link = { (name: String) in
            try FileManager.default.createSymbolicLink(atPath: shared.file(name), withDestinationPath: victim)
        }
        try link(".report.json.tmp")
        for pid in lastPid...(lastPid + 1000) { try link(".report.json.\(pid).tmp") }
        let planted = try FileManager.default.contentsOfDirectory(atPath: shared.path).count
        let result = try await reconcile(
            ["--dry-run", "--repo", repo.path, "--var", "base=\(server.baseURL)", "--report-file", shared.file("report.json")])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "root:x:0:0:untouched\n")
        let report = try String(contentsOfFile: shared.file("report.json"), encoding: .utf8)
        #expect(report.contains("\"version\" : 1"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: shared.path).count == planted + 1)
    }

    @Test(arguments: ["text", "github", "json"])
    func errorsQuoteAScalarOnlyAsAShortEscapedExcerpt(_ format: String) async throws {
        let long = "no-slash-" + String(repeating: "A", count: 100_000) + "TAIL-NEVER-SHOWN"
        let manifest = """
            apiVersion: reconcile/v1
            kind: Environment
            name: long
            caddy:
              admin: http://127.0.0.1:2019
              sites:
                - routes:
                    - path: "\(long)"
                      reverse_proxy: ["127.0.0.1:8000"]
            health:
              - name: esc
                url: "http://x/"
                method: "GET\\e[2J\\a"
                expect: { status: 200 }
            """
        let repo = try await offPool { try ScratchRepository() }
        try repo.write("manifests/prod.yaml", manifest)
        let result = try await reconcile(["validate", "--repo", repo.path, "--worktree", "--format", format])
        #expect(result.status == 1, "\(result.allOutput.prefix(2000))")
        #expect(result.allOutput.contains("is not a Caddy path pattern"), "\(result.allOutput.prefix(2000))")
        #expect(!result.allOutput.contains("TAIL-NEVER-SHOWN"))
        #expect(result.allOutput.count < 5000, "\(result.allOutput.count) characters")
        #expect(!result.allOutput.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    }
}
