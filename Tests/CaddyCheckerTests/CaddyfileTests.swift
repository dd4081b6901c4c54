import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import CaddyChecker

/// `caddy adapt` as a subprocess: real Caddy, stdin in, JSON out, errors, timeout.
@Suite struct CaddyAdapterTests {
    @Test func adaptsLikeTheRecordedFixture() async throws {
        let json = try await adaptCaddyfile(try Fixtures.text("caddy/production.caddyfile"), path: "deploy/Caddyfile").json()
        #expect(try CaddyConfigNormalizer.normalize(json) == fixtureTable("production"))
    }

    @Test func aLargeOutputDoesNotBlockOnThePipe() async throws {
        let json = try await adaptCaddyfile(try Fixtures.text("caddy/large.caddyfile"), path: "large").json()
        #expect(json.count > 50_000)
        #expect(try CaddyConfigNormalizer.normalize(json).routes.filter { $0.kind == .responder }.count == 402)
    }

    @Test func anInvalidCaddyfileNamesItsPathAndLine() async throws {
        let message = try await adaptCaddyfile(":8080 {\n\treverse_proxi /api/* 127.0.0.1:8000\n}\n", path: "deploy/Caddyfile")
            .failure()
        #expect(message.contains("deploy/Caddyfile:2"), "\(message)")
        #expect(message.contains("reverse_proxi"))
    }

    @Test func caddyMissingFromPATHIsSaidPlainly() async throws {
        let empty = try TemporaryDirectory(prefix: "reconcile-empty-path")
        let message = try await CaddyAdapter.adapt(Data(), path: "Caddyfile", source: nil, environment: ["PATH": empty.path])
            .failure()
        #expect(message.hasPrefix("`caddy` is not on PATH"))
    }

    @Test func aHungAdaptIsStoppedAtTheTimeout() async throws {
        let bin = try TemporaryDirectory(prefix: "reconcile-fake-caddy")
        let fake = try bin.write("caddy", "#!/bin/sh\nexec sleep 30\n")
        _ = try runChecked("chmod", ["+x", fake])
        let clock = ContinuousClock()
        let started = clock.now
        let result = await CaddyAdapter.adapt(
            Data(), path: "Caddyfile", source: nil, environment: ["PATH": bin.path + ":/usr/bin:/bin"], timeout: .milliseconds(300))
        #expect(clock.now - started < .seconds(10))
        #expect(try result.failure() == "`caddy adapt` did not finish within 300ms; it was stopped")
    }
}

/// Desired routes from a Caddyfile in the same repository, against a live Caddy.
@Suite struct CaddyfileInGitTests {
    @Test func theCaddyfileCaddyRunsIsInSyncWithItself() async throws {
        let caddy = try await startCaddy(allShapesSites, portCount: 2)
        defer { caddy.stop() }
        let source = try TemporaryDirectory(prefix: "reconcile-caddy-src")
        try source.write("deploy/Caddyfile", try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8))
        let findings = try await check(
            "caddy:\n  admin: \(caddy.adminURL)\n  caddyfile: deploy/Caddyfile\n  unmanaged_routes: report\n",
            root: source.path)
        #expect(findings.count == 10, "\(summary(findings))")
        #expect(findings.nonEmptyAllSatisfy { $0.status == .ok }, "\(summary(findings))")
    }

    @Test func aChangedCaddyfileIsComparedRouteByRoute() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let live = try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8)
        let desired =
            live
            .replacingOccurrences(of: "reverse_proxy 127.0.0.1:8000", with: "reverse_proxy 127.0.0.1:8000 127.0.0.1:8001")
            .replacingOccurrences(of: "handle_path /media/*", with: "handle /media/*")
            .replacingOccurrences(of: "\thandle {", with: "\thandle /health {\n\t\trespond \"ok\"\n\t}\n\thandle {")
        let source = try TemporaryDirectory(prefix: "reconcile-caddy-src")
        try source.write("Caddyfile", desired)
        let findings = try await check("caddy:\n  admin: \(caddy.adminURL)\n  caddyfile: Caddyfile\n", root: source.path)
        let drift = Dictionary(uniqueKeysWithValues: findings.filter { $0.status == .drift }.map { ($0.resource, $0) })
        #expect(Set(drift.keys) == ["/health", "/media/*", "/api/*"], "\(summary(findings))")
        #expect(drift["/health"]?.message.hasPrefix("missing route on rims.example.com") == true)
        // The fix is the site block as committed (every directive of the route's site, in
        // place), after the line saying where it lives.
        let site = try #require(drift["/health"]?.fix?.snippet)
        #expect(
            site.hasPrefix("# Caddyfile:6-") && site.contains(": site http://rims.example.com:\(caddy.ports[0])\n")
                && site.contains("\nhttp://rims.example.com:\(caddy.ports[0]) {") && site.hasSuffix("\n}"), "\(site)")
        #expect(site.contains("\thandle /health {\n\t\trespond \"ok\"\n\t}"), "\(site)")
        #expect(drift["/media/*"]?.message.hasPrefix("a different prefix strip: live strips /media, expected no strip") == true)
        #expect(drift["/api/*"]?.message.hasPrefix("different upstreams: expected 127.0.0.1:8000 127.0.0.1:8001") == true)
        #expect(findings.first { $0.resource == "/*" }?.status == .ok)
    }

    @Test func aMissingCaddyfileMakesTheDesiredRoutesUnknown() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let source = try TemporaryDirectory(prefix: "reconcile-caddy-src")
        let findings = try await check("caddy:\n  admin: \(caddy.adminURL)\n  caddyfile: Caddyfile\n", root: source.path)
        #expect(findings.map(\.status) == [.unknown], "\(summary(findings))")
        #expect(findings[0].resource == "Caddyfile")
        #expect(findings[0].observed?.hasPrefix("cannot read Caddyfile at worktree") == true)
    }
}

/// The Caddyfile-in-git path end to end: a git repository made here, the built CLI.
@Suite struct CaddyfileEndToEndTests {
    @Test func theCaddyfileIsReadAtTheRequestedRef() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let caddyfile = try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8)
        let repo = try await caddyfileRepository(caddy, files: ["deploy/Caddyfile": caddyfile])

        let inSync = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml")
        #expect(inSync.status == 0, "\(inSync.stdout)\(inSync.stderr)")
        #expect(inSync.caddy == ["ok /media/*", "ok /api/*", "ok /*"])

        // A second commit moves the media root in the Caddyfile only.
        let moved = caddyfile.replacingOccurrences(of: caddy.scratch.file("media"), with: "/srv/rims/media")
        try repo.write("deploy/Caddyfile", moved)
        _ = try await offPool {
            try runChecked(
                "git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "move media"],
                workingDirectory: repo.path)
        }
        let drift = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml")
        #expect(drift.status == 2, "\(drift.stdout)\(drift.stderr)")
        #expect(drift.caddy == ["drift /media/*", "ok /api/*", "ok /*"])
        #expect(drift.message(of: "/media/*")?.hasPrefix("a different root: expected /srv/rims/media") == true)

        // The first commit is still in sync: the Caddyfile is read at the same ref.
        let before = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml", extra: ["--ref", "HEAD~1"])
        #expect(before.status == 0, "\(before.stdout)\(before.stderr)")
    }

    @Test func aCaddyfileThatDoesNotAdaptExitsThree() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let repo = try await caddyfileRepository(caddy, caddyfile: "Caddyfile", files: ["Caddyfile": ":80 {\n\tfile_servr\n}\n"])
        let result = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml")
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        #expect(result.caddy == ["unknown Caddyfile"])
        let observed = result.findings.first?["observed"] as? String
        #expect(observed?.contains("Caddyfile:2") == true, "\(observed ?? "-")")
    }
}
