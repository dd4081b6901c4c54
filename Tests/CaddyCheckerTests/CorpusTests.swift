import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// Caddyfiles people actually publish (Tests/Fixtures/caddy/corpus, sources in its
/// SOURCES.md): each one adapts with the real `caddy adapt`, runs in a real Caddy, and a
/// manifest that names it as the desired state (`caddy.caddyfile:`, committed in a git
/// repository) finds the running Caddy in sync — no false drift on real configurations —
/// and the same file with an upstream moved is drift.
@Suite struct CaddyCorpusTests {
    /// Every `*.caddyfile` of the corpus directory, so a fixture added there is tested.
    static let fixtures: [String] = {
        let directory = TestPaths.fixture("caddy/corpus")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".caddyfile") }.sorted()
    }()

    @Test func theCorpusHoldsAtLeastTwentyRealCaddyfilesEachWithItsSource() throws {
        #expect(Self.fixtures.count >= 20, "\(Self.fixtures)")
        let sources = try Fixtures.text("caddy/corpus/SOURCES.md")
        for name in Self.fixtures {
            #expect(sources.contains("`\(name)`"), "\(name) has no entry in SOURCES.md")
        }
    }

    @Test(arguments: fixtures)
    func aRealCaddyfileRunningAsCommittedIsInSync(_ name: String) async throws {
        let caddy = try await startCaddy(caddyfile: try Fixtures.text("caddy/corpus/\(name)"))
        defer { caddy.stop() }
        let caddyfile = try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8)

        _ = try await adaptCaddyfile(caddyfile, path: "deploy/Caddyfile").json("\(name) does not adapt: ")

        let run = try await Self.reconcile(caddy, committing: caddyfile)
        #expect(run.status == 0, "\(name):\n\(run.stdout)\(run.stderr)")
        #expect(run.caddy.nonEmptyAllSatisfy { $0.hasPrefix("ok ") }, "\(name): \(run.caddy)\n\(run.stdout)")

        // The control: the same file with its first upstream moved is drift, so "in
        // sync" above was a comparison, not a checker that says ok to anything.
        guard let upstream = caddy.upstreams.first else { return }
        let moved = try await Self.reconcile(caddy, committing: caddyfile.replacingOccurrences(of: upstream, with: "127.0.0.1:1"))
        #expect(moved.status == 2, "\(name): \(moved.caddy)\n\(moved.stdout)\(moved.stderr)")
        #expect(moved.caddy.contains { $0.hasPrefix("drift ") }, "\(name): \(moved.caddy)")
    }

    /// `forward_auth` is a gate before the route's responder: the app behind it and the
    /// media it guards are compared, never the auth upstream in their place.
    @Test func theUpstreamBehindForwardAuthIsTheRoutesUpstream() async throws {
        let caddy = try await startCaddy(caddyfile: try Fixtures.text("caddy/corpus/docs-forward-auth-authelia.caddyfile"))
        defer { caddy.stop() }
        let live = try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8)
        let app = caddy.upstreams[1]
        let inSync = try await Self.reconcile(caddy, committing: live)
        #expect(inSync.stdout.contains("in sync on app1.localhost: forward_auth, then reverse_proxy \(app)"), "\(inSync.stdout)")

        let moved = try await Self.reconcile(
            caddy, committing: live.replacingOccurrences(of: "reverse_proxy \(app)", with: "reverse_proxy 127.0.0.1:1"))
        #expect(moved.status == 2, "\(moved.stdout)")
        #expect(moved.stdout.contains("127.0.0.1:1"), "\(moved.stdout)")
    }

    @Test func theMediaRootBehindForwardAuthIsCompared() async throws {
        let caddy = try await startCaddy(caddyfile: try Fixtures.text("caddy/corpus/inventree.caddyfile"))
        defer { caddy.stop() }
        let live = try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8)
        let moved = try await Self.reconcile(
            caddy, committing: live.replacingOccurrences(of: "root * /var/www/media", with: "root * /srv/inventree/media"))
        #expect(moved.status == 2, "\(moved.stdout)")
        let media = moved.findings.filter { $0["resource"] as? String == "/media/*" }.compactMap { $0["message"] as? String }
        #expect(media.contains { $0.hasPrefix("a different root: expected /srv/inventree/media") }, "\(moved.stdout)")
    }

    /// The built reconcile against `caddy` with `caddyfile` committed as its desired state.
    static func reconcile(_ caddy: CaddyInstance, committing caddyfile: String) async throws -> CLIRun {
        let repo = try await caddyfileRepository(caddy, files: ["deploy/Caddyfile": caddyfile])
        return try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml")
    }
}
