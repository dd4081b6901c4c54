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

    /// The body of the `/legacy/*` route, which the manifest does not manage.
    static let legacyBody = "/config/apps/http/servers/srv0/routes/0/handle/0/routes/1/handle/0/routes/0/handle/0/body"

    /// Someone else's change, made straight through the admin API.
    static func changeLegacyBody(_ caddy: CaddyInstance, to body: String) async throws {
        let path = legacyBody
        #expect(try await liveValue(caddy, path) == "\"legacy\"")
        let response = try await sendToAdmin(caddy, path, method: "PATCH", json: Data("\"\(body)\"".utf8))
        #expect(response.status == 200)
    }

    @Test func aConfigChangedAfterThePlanIsObservedAgainAndReplannedNotOverwritten() async throws {
        let caddy = try await startCaddy(repairSites, files: repairFiles)
        defer { caddy.stop() }
        let manifest = try Self.decode(repairManifest(caddy))
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

    @Test func aConfigChangedAgainAfterTheReplanIsNotOverwrittenAndTheRunGivesUpWithAClearError() async throws {
        let caddy = try await startCaddy(repairSites, files: repairFiles, adminSocket: true)
        defer { caddy.stop() }
        let proxy = try await AdminProxy(caddy, meddling: Self.legacyBody)
        defer { proxy.process.stop() }
        let repo = try await applyRepository(proxy.manifest(repairManifest(caddy)))
        let state = try TemporaryDirectory(prefix: "reconcile-apply-state")
        let before = try await liveConfig(caddy)

        let run = try await reconcileRun(repo: repo.path, state: state.path)
        #expect(run.status == 1, "\(run.stdout)")
        #expect(run.stderr.contains("failed again after re-planning: Caddy's config changed meanwhile (412 to PATCH"), "\(run.stderr)")
        #expect(run.actionLines.first?.hasPrefix("skipped PATCH caddy route /api/*") == true, "\(run.actionLines)")
        #expect((run.actions.first?["detail"] as? String)?.contains("observed again and re-planned") == true)
        #expect(run.actions.filter { $0["status"] as? String == "failed" }.count == 1, "\(run.actionLines)")
        #expect(run.actions.allSatisfy { !["applied", "rolled_back"].contains($0["status"] as? String) })
        #expect(journalLines(state.path).map { $0["result"] as? String } == ["failed"])

        // Each change reconcile sent met someone else's change first (the proxy's), so none
        // went through: the live config is the one before with only the other party's last
        // edit in it. (Caddy drops idle admin connections when its config changes, so
        // libcurl may send a change twice, each time meeting a new edit.)
        let changes = try proxy.requests().filter { !$0.hasPrefix("GET ") }
        #expect(changes.count >= 2, "\(changes)")
        #expect(changes.allSatisfy { $0.hasPrefix("PATCH ") && $0.hasSuffix("/upstreams") }, "\(changes)")
        let expected = String(decoding: before, as: UTF8.self)
            .replacingOccurrences(of: "\"body\":\"legacy\"", with: "\"body\":\"changed meanwhile \(changes.count)\"")
        #expect(expected != String(decoding: before, as: UTF8.self))
        #expect(String(decoding: try await liveConfig(caddy), as: UTF8.self) == expected)
    }
}
