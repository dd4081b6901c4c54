import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// Caddy's ETag protects a change from overwriting someone else's: the library-level
/// pipeline on a real Caddy, with the config changed between plan and apply.
@Suite struct ApplyConflictTests {
    /// The checks and policy of a manifest holding `section`.
    static func decode(_ section: String) throws -> Manifest {
        try ManifestDecoder(registry: CheckerRegistry(checkers: [CaddyChecker.self]))
            .decode("apiVersion: reconcile/v1\nkind: Environment\n" + section, file: "test.yaml")
    }

    /// Someone else's change, made straight through the admin API.
    static func changeLegacyBody(_ caddy: CaddyInstance, to body: String) async throws {
        let endpoint = try HTTPEndpoint(parsing: caddy.adminURL)
        let path = "/config/apps/http/servers/srv0/routes/0/handle/0/routes/1/handle/0/routes/0/handle/0/body"
        #expect(try await liveValue(caddy, path) == "\"legacy\"")
        var request = endpoint.request(path, method: "PATCH")
        request.body = Data("\"\(body)\"".utf8)
        request.headers = [HTTPHeader("Content-Type", "application/json")]
        let response = try await HTTPClient(policy: .apply).send(request)
        #expect(response.status == 200)
    }

    @Test func aConfigChangedAfterThePlanIsObservedAgainAndReplannedNotOverwritten() async throws {
        let caddy = try await startCaddy(repairSites, files: repairFiles)
        defer { caddy.stop() }
        let manifest = try Self.decode(repairManifest(caddy, apply: "apply: { caddy: true, verify: [] }"))
        let source = try DirectorySource(root: caddy.scratch.path)
        let runner = ApplyRunner(
            reconciler: Reconciler(), policies: ["test.yaml": try #require(manifest.apply)], journal: nil, commit: nil)
        let result = await runner.run(
            manifest.checks, observing: ObservationContext(mode: .apply, source: source),
            applying: ApplyContext(source: source)
        ) { _ in
            try? await Self.changeLegacyBody(caddy, to: "changed meanwhile")
            return true
        }
        #expect(!result.failed, "\(result.cause ?? "")")
        let lines = result.actions.map { "\($0.status.rawValue) \($0.resource)" }
        #expect(lines.first == "skipped /api/*")
        #expect(result.actions.first?.detail?.contains("observed again and re-planned") == true)
        #expect(lines.filter { $0.hasPrefix("applied") }.count == 5, "\(lines)")
        #expect(result.findings.allSatisfy { $0.status == .ok })
        #expect(try await fetchThrough(caddy, host: "rims.example.com", path: "/legacy/x") == (200, "changed meanwhile"))
    }

    @Test func anActionPlannedFromAnOlderConfigIsAConflictAndChangesNothing() async throws {
        let caddy = try await startCaddy(repairSites, files: repairFiles)
        defer { caddy.stop() }
        let spec = try await decodeSpec(repairManifest(caddy, apply: ""))
        let source = try DirectorySource(root: caddy.scratch.path)
        let observation = try await CaddyChecker().observe(spec, in: ObservationContext(mode: .dryRun, source: source))
        #expect(observation.liveETag?.hasPrefix("\"/config/ ") == true, "Caddy's ETag trailer is read")
        let findings = CaddyChecker().compare(spec, with: observation)
        guard case .action(let action)? = CaddyChecker().plan(spec, observation: observation, findings: findings)[0] else {
            Issue.record("no action for /api/*")
            return
        }
        try await Self.changeLegacyBody(caddy, to: "changed meanwhile")
        let before = try await liveConfig(caddy)
        await #expect(throws: ApplyConflict.self) {
            _ = try await CaddyChecker().apply(action, spec: spec, in: ApplyContext(source: source))
        }
        #expect(try await liveConfig(caddy) == before)
    }
}
