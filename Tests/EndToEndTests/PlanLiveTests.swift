import Foundation
import TestSupport
import Testing

/// `reconcile plan --live` against a real Caddy: per changed route, whether production
/// matches the base (merging needs an apply), already the head, or neither.
@Suite struct PlanLiveTests {
    static func manifest(admin: String, mediaRoot: String) -> String {
        """
        apiVersion: reconcile/v1
        kind: Environment
        name: production
        caddy:
          admin: \(admin)
          sites:
            - routes:
                - path: /api/*
                  reverse_proxy: ["127.0.0.1:8000"]
                - path: /media/*
                  strip_prefix: true
                  file_server: { root: \(mediaRoot) }

        """
    }

    /// A real Caddy whose media route serves `mediaRoot`, on free loopback ports, with
    /// its own HOME; the caller stops it by pid.
    static func caddy(mediaRoot: String) async throws -> (ManagedProcess, admin: String) {
        try await offPool {
            let scratch = try TemporaryDirectory(prefix: "reconcile-plan-caddy")
            let admin = try freeLoopbackPort()
            var listen = try freeLoopbackPort()
            while listen == admin { listen = try freeLoopbackPort() }
            let caddyfile = try scratch.write(
                "Caddyfile",
                """
                {
                \tadmin 127.0.0.1:\(admin)
                \tauto_https off
                }
                :\(listen) {
                \thandle /api/* {
                \t\treverse_proxy 127.0.0.1:8000
                \t}
                \thandle_path /media/* {
                \t\troot * \(mediaRoot)
                \t\tfile_server
                \t}
                }

                """)
            let process = try ManagedProcess(
                "caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"],
                environment: ["HOME": scratch.path, "XDG_DATA_HOME": scratch.file("data"), "XDG_CONFIG_HOME": scratch.file("config")],
                workingDirectory: scratch.path)
            try waitUntil("caddy to serve its config") {
                process.output.contains("serving initial configuration") || !process.process.isRunning
            }
            return (process, "http://127.0.0.1:\(admin)")
        }
    }

    @Test(arguments: [("/srv/rims/media", "base"), ("/srv/rims/uploads", "head"), ("/srv/elsewhere", "neither")])
    func aChangedRootIsMatchedAgainstTheLiveCaddy(live root: String, matches expected: String) async throws {
        let (caddy, admin) = try await Self.caddy(mediaRoot: root)
        defer { caddy.stop() }
        let repo = try await offPool {
            let repo = try ScratchRepository()
            try repo.commit(["manifests/production.yaml": Self.manifest(admin: admin, mediaRoot: "/srv/rims/media")])
            try repo.git("tag", "base")
            try repo.commit(["manifests/production.yaml": Self.manifest(admin: admin, mediaRoot: "/srv/rims/uploads")])
            return repo
        }
        let result = try await reconcile(["plan", "--repo", repo.path, "--base", "base", "--live", "--format", "json"])
        #expect(result.status == 2, "\(result.allOutput)")
        let changes = try #require(try result.json()["changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect(changes.first?["resource"] as? String == "/media/*")
        #expect(changes.first?["live"] as? String == expected, "\(result.stdout)")
    }

    @Test func anUnreachableCaddyIsUnknownNeverAMatch() async throws {
        let port = try freeLoopbackPort()
        let repo = try await offPool {
            let repo = try ScratchRepository()
            let admin = "http://127.0.0.1:\(port)"
            try repo.commit(["manifests/production.yaml": Self.manifest(admin: admin, mediaRoot: "/srv/rims/media")])
            try repo.git("tag", "base")
            try repo.commit(["manifests/production.yaml": Self.manifest(admin: admin, mediaRoot: "/srv/rims/uploads")])
            return repo
        }
        let result = try await reconcile(["plan", "--repo", repo.path, "--base", "base", "--live"])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(result.stdout.contains("~ caddy route * /media/*  manifests/production.yaml:10  live: production could not be observed\n"))
    }
}
