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

    /// The tag `base` roots media at /srv/rims/media, HEAD at /srv/rims/uploads.
    static func repository(admin: String) async throws -> ScratchRepository {
        try await pullRequestRepository(
            base: ["manifests/production.yaml": Self.manifest(admin: admin, mediaRoot: "/srv/rims/media")],
            head: ["manifests/production.yaml": Self.manifest(admin: admin, mediaRoot: "/srv/rims/uploads")])
    }

    /// A real Caddy whose media route serves `mediaRoot`, on free loopback ports.
    static func caddy(mediaRoot: String) async throws -> CaddyInstance {
        try await startCaddy(
            """
            :$PORT0 {
            \thandle /api/* {
            \t\treverse_proxy 127.0.0.1:8000
            \t}
            \thandle_path /media/* {
            \t\troot * \(mediaRoot)
            \t\tfile_server
            \t}
            }

            """)
    }

    @Test(arguments: [("/srv/rims/media", "base"), ("/srv/rims/uploads", "head"), ("/srv/elsewhere", "neither")])
    func aChangedRootIsMatchedAgainstTheLiveCaddy(live root: String, matches expected: String) async throws {
        let caddy = try await Self.caddy(mediaRoot: root)
        defer { caddy.stop() }
        let repo = try await Self.repository(admin: caddy.adminURL)
        let result = try await reconcile(["plan", "--repo", repo.path, "--base", "base", "--live", "--format", "json"])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(try PlanSchemaTests.problem(result) == nil)
        let changes = try #require(try result.json()["changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect(changes.first?["resource"] as? String == "/media/*")
        #expect(changes.first?["live"] as? String == expected, "\(result.stdout)")
    }

    /// Production drifted from both sides: a JUnit failure and a SARIF warning instead of
    /// a note, both valid for their schemas.
    @Test func matchingNeitherSideFailsJUnitAndWarnsInSARIF() async throws {
        let caddy = try await Self.caddy(mediaRoot: "/srv/elsewhere")
        defer { caddy.stop() }
        let repo = try await Self.repository(admin: caddy.adminURL)
        let junit = try await reconcile(["plan", "--repo", repo.path, "--base", "base", "--live", "--format", "junit"])
        #expect(junit.status == 2, "\(junit.allOutput)")
        #expect(try MachineFormatTests.schemaProblem(junit.stdout, schema: "JUnit.xsd", json: false) == nil)
        #expect(junit.stdout.contains("tests=\"1\" failures=\"1\" errors=\"0\""))
        #expect(
            junit.stdout.contains(
                "<testcase name=\"route * /media/*\" classname=\"reconcile.caddy\" time=\"0\">\n      <failure type=\"plan-changed\" message=\"changed caddy route * /media/*; live: production matches neither side\">"
            ), "\(junit.stdout)")
        let sarif = try await reconcile(["plan", "--repo", repo.path, "--base", "base", "--live", "--format", "sarif"])
        #expect(try MachineFormatTests.schemaProblem(sarif.stdout, schema: "sarif-schema-2.1.0.json", json: true) == nil)
        let results = try #require((try sarif.json()["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["level"] as? String } == ["warning"])
    }

    @Test func anUnreachableCaddyIsUnknownNeverAMatch() async throws {
        let refusing = try ReservedPort()
        let repo = try await Self.repository(admin: "http://127.0.0.1:\(refusing.port)")
        let result = try await reconcile(["plan", "--repo", repo.path, "--base", "base", "--live"])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(result.stdout.contains("~ caddy route * /media/*  manifests/production.yaml:10  live: production could not be observed\n"))
        let junit = try await reconcile(["plan", "--repo", repo.path, "--base", "base", "--live", "--format", "junit"])
        #expect(try MachineFormatTests.schemaProblem(junit.stdout, schema: "JUnit.xsd", json: false) == nil)
        #expect(junit.stdout.contains("tests=\"1\" failures=\"0\" errors=\"1\""), "\(junit.stdout)")
        #expect(
            junit.stdout.contains(
                "<error type=\"plan-changed\" message=\"changed caddy route * /media/*; live: production could not be observed\">"))
    }
}
