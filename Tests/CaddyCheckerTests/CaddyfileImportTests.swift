import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// A committed Caddyfile is untrusted: it may import files of the repository at the same
/// ref and nothing else, and `{$VAR}` never reads reconcile's environment.
@Suite struct CaddyfileImportTests {
    static func adapt(_ files: [String: String], main: String = "deploy/Caddyfile") async throws -> CaddyfileOutcome.Result {
        let repo = try TemporaryDirectory(prefix: "reconcile-caddy-imports")
        for (path, text) in files { try repo.write(path, text) }
        return try await adaptCaddyfile(files[main]!, path: main, root: repo.path)
    }

    @Test func filesOfTheRepositoryAreImportedRelativeToTheCaddyfileGlobsIncluded() async throws {
        let json = try await Self.adapt([
            "deploy/Caddyfile":
                "(common) {\n\theader X-Common yes\n}\n:8080 {\n\timport common\n\timport sites/*.caddy\n\timport snippets/api\n}\n",
            "deploy/sites/media.caddy": "handle_path /media/* {\n\troot * /srv/media\n\tfile_server\n}\n",
            "deploy/sites/static.caddy": "handle /static/* {\n\troot * /srv/static\n\tfile_server\n}\n",
            "deploy/snippets/api": "handle /api/* {\n\treverse_proxy 127.0.0.1:8000\n}\n",
        ]).json()
        let paths = try CaddyConfigNormalizer.normalize(json).routes.map(\.path.description)
        #expect(Set(paths).isSuperset(of: ["/media/*", "/static/*", "/api/*"]), "\(paths)")
    }

    @Test(
        "an import that could leave the repository is refused before Caddy runs",
        arguments: [
            ("import /etc/passwd", "an absolute path"),
            ("import ../../../../../../etc/passwd", "'..' leaves"),
            ("import {$HOME}/.bashrc", "an absolute path"),
            ("import {$NOPE:/etc}/passwd", "an absolute path"),
            ("import \"/etc/passwd\"", "an absolute path"),
            ("import /etc/pass*", "an absolute path"),
            ("import sub/../../x", "'..' leaves"),
        ])
    func refused(_ line: String, _ reason: String) async throws {
        let message = try await Self.adapt(["deploy/Caddyfile": ":8080 {\n\t\(line)\n}\n"]).failure()
        #expect(message.hasPrefix("deploy/Caddyfile:2: import "), "\(message)")
        #expect(message.contains(reason), "\(message)")
        #expect(!message.contains("root:x:0"))
    }

    @Test func aPlaceholderThatSnippetArgumentsWouldTurnIntoAPathIsRefused() async throws {
        let message = try await Self.adapt([
            "deploy/Caddyfile": "(evil) {\n\timport {args[0]}\n}\n:8080 {\n\timport evil /etc/passwd\n}\n"
        ]).failure()
        #expect(message == "deploy/Caddyfile:2: import {args[0]} refused: a placeholder in an import path is never expanded by reconcile")
    }

    @Test func anImportNestedInAnImportedFileIsCheckedToo() async throws {
        let message = try await Self.adapt([
            "deploy/Caddyfile": ":8080 {\n\timport inner\n}\n", "deploy/inner": "import /etc/passwd\n",
        ]).failure()
        #expect(message.hasPrefix("deploy/inner:1: import /etc/passwd refused: an absolute path"), "\(message)")
    }

    @Test func placeholdersGetTheirDefaultNeverReconcilesEnvironment() async throws {
        let secret = "tok-caddy-secret-\(UInt32.random(in: 0...UInt32.max))"
        setenv("RECONCILE_TEST_CADDY_SECRET", secret, 1)
        defer { unsetenv("RECONCILE_TEST_CADDY_SECRET") }
        let repo = try TemporaryDirectory(prefix: "reconcile-caddy-env")
        let text = ":8080 {\n\troot * {$RECONCILE_TEST_CADDY_SECRET:/srv/default}\n\tfile_server\n}\n"
        try repo.write("Caddyfile", text)
        let json = try await adaptCaddyfile(text, root: repo.path).json()
        let output = String(decoding: json, as: UTF8.self)
        #expect(output.contains("/srv/default"))
        #expect(!output.contains(secret))
    }
}

/// The same through the built binary: nothing of the host reaches the report.
@Suite struct CaddyfileTrustEndToEndTests {
    @Test func anImportOfAHostFileIsRefusedAndItsContentNeverReported() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let repo = try await caddyfileRepository(caddy, caddyfile: "Caddyfile", files: ["Caddyfile": ":80 {\n\timport /etc/passwd\n}\n"])
        let result = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml")
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Caddyfile:2: import /etc/passwd refused: an absolute path"), "\(result.stdout)")
        #expect(!result.stdout.contains("root:x:0"))
        #expect(!result.stderr.contains("root:x:0"))
    }

    @Test func aPlaceholderIsNeverResolvedFromReconcilesEnvironment() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let live = try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8)
        let media = caddy.scratch.file("media")
        let desired = live.replacingOccurrences(of: media, with: "{$MEDIA_ROOT_SECRET:/srv/placeholder-default}")
        #expect(desired != live)
        let repo = try await caddyfileRepository(caddy, files: ["deploy/Caddyfile": desired])
        // Were the variable read, the root would be the live one and /media/* in sync.
        let result = try await runReconcile(
            repo: repo.path, manifest: "manifests/edge.yaml", environment: ["MEDIA_ROOT_SECRET": media])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.message(of: "/media/*")?.hasPrefix("a different root: expected /srv/placeholder-default") == true)
    }
}
