import Foundation
import ReconcileTestSupport
import TestSupport
import Testing

/// The built `reconcile` binary against a real Caddy: the exit codes monitoring sees.
@Suite struct CommandLineTests {
    static func manifest(_ caddySection: String) -> String {
        "apiVersion: reconcile/v1\nkind: Environment\nname: test\n" + caddySection
    }

    @Test func inSyncExitsZeroDriftTwoAndAnUnreachableAdminThree() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let reserved = try ReservedPort()
        let deadPort = reserved.port
        defer { withExtendedLifetime(reserved) {} }
        let repo = try await makeConfigRepository([
            "manifests/ok.yaml": Self.manifest(productionManifest(caddy)),
            "manifests/drift.yaml": Self.manifest(productionManifest(caddy, media: "/srv/typo/media")),
            "manifests/missing.yaml": Self.manifest(
                productionManifest(caddy) + "        - { path: /admin/*, reverse_proxy: [\"127.0.0.1:8000\"] }\n"),
            "manifests/upstream.yaml": Self.manifest(productionManifest(caddy, upstream: "127.0.0.1:9999")),
            "manifests/down.yaml": Self.manifest(
                productionManifest(caddy).replacingOccurrences(of: caddy.adminURL, with: "http://127.0.0.1:\(deadPort)")),
        ])

        let ok = try await runReconcile(repo: repo.path, manifest: "manifests/ok.yaml")
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.caddy == ["ok /api/*", "ok /media/*", "ok /*"])

        let drift = try await runReconcile(repo: repo.path, manifest: "manifests/drift.yaml")
        #expect(drift.status == 2, "\(drift.stdout)\(drift.stderr)")
        #expect(drift.caddy == ["ok /api/*", "drift /media/*", "ok /*"])
        #expect(drift.message(of: "/media/*")?.hasPrefix("a different root: expected /srv/typo/media") == true)

        let missing = try await runReconcile(repo: repo.path, manifest: "manifests/missing.yaml")
        #expect(missing.status == 2, "\(missing.stdout)\(missing.stderr)")
        #expect(missing.caddy == ["ok /api/*", "ok /media/*", "ok /*", "drift /admin/*"])

        let upstream = try await runReconcile(repo: repo.path, manifest: "manifests/upstream.yaml")
        #expect(upstream.status == 2, "\(upstream.stdout)\(upstream.stderr)")
        #expect(upstream.caddy == ["drift /api/*", "ok /media/*", "ok /*"])
        #expect(upstream.message(of: "/api/*") == "different upstreams: expected 127.0.0.1:9999, live 127.0.0.1:8000 on rims.example.com")

        let down = try await runReconcile(repo: repo.path, manifest: "manifests/down.yaml")
        #expect(down.status == 3, "\(down.stdout)\(down.stderr)")
        #expect(down.caddy == ["unknown admin"])
    }

    @Test func anInvalidCaddySectionExitsOneWithItsLine() async throws {
        let repo = try await makeConfigRepository([
            "manifests/bad.yaml": Self.manifest(
                "caddy:\n  sites:\n    - routes:\n        - { path: /api/*, revers_proxy: [a:1] }\n")
        ])
        let result = try await runReconcile(repo: repo.path, manifest: "manifests/bad.yaml")
        #expect(result.status == 1)
        #expect(result.stderr.contains("manifests/bad.yaml:7:"), "\(result.stderr)")
        #expect(result.stderr.contains("revers_proxy"))
    }
}
