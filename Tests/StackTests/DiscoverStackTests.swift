import Foundation
import TestSupport
import Testing

/// `reconcile discover` on the running example stack, the issue's round trip: the
/// manifest it writes validates and matches the published JSON Schema; committed into a
/// fresh repository, `reconcile --dry-run` finds every resource ok (exit 0); then one
/// value changed in the live stack (Caddy's media root) is drift (exit 2). Secrets the
/// stack holds (the health token, Django's SECRET_KEY) appear nowhere.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DiscoverStackTests {
    @Test func discoverCommitDryRunIsInSyncAndOneLiveChangeIsDrift() async throws {
        let stack = try await offPool { try DemoStack.shared.details() }
        let scratch = try TemporaryDirectory(prefix: "reconcile-discover")
        let output = scratch.file("production.yaml")
        let site = "http://127.0.0.1:\(try stack["CADDY_PORT"])"
        let arguments = [
            "discover", "--caddy", "http://127.0.0.1:\(try stack["CADDY_ADMIN_PORT"])", "--docker", try stack["DOCKER_ENDPOINT"],
            "--container", "backend", "--django-container", "backend",
            "--django-python", "\(TestPaths.repositoryRoot)/.venv/bin/python3", "--django-workdir", "/app/src",
            "--settings-module", "rims_backend.settings", "--health", "\(site)/api/health/", "--health", "\(site)/api/health/auth/",
            "--health-token-env", "RECONCILE_HEALTH_TOKEN", "-o", output,
        ]
        let environment: [String: String?] = ["RECONCILE_HEALTH_TOKEN": try stack["RECONCILE_HEALTH_TOKEN"], "NO_COLOR": "1"]
        let discovered = try await offPool { try run(TestPaths.reconcileBinary, arguments, environment: environment) }
        #expect(discovered.status == 0, "\(discovered.stderr)")
        let manifest = try String(contentsOfFile: output, encoding: .utf8)
        for secret in [try stack["RECONCILE_HEALTH_TOKEN"], try stack["SECRET_KEY"]] {
            #expect(!manifest.contains(secret) && !discovered.stderr.contains(secret))
        }
        for section in ["caddy:", "docker:", "django:", "mounts:", "health:", "host:"] {
            #expect(manifest.contains("\n\(section)\n"), "no \(section) in\n\(manifest)")
        }
        #expect(manifest.contains("bearer_token_env: \"RECONCILE_HEALTH_TOKEN\""))
        #expect(manifest.contains("host_path: \"\(try stack["MEDIA"])\""), "\(manifest)")

        // -o never overwrites without --force.
        let again = try await offPool { try run(TestPaths.reconcileBinary, arguments, environment: environment) }
        #expect(again.status == 1)
        #expect(again.stderr.contains("exists; pass --force"), "\(again.stderr)")

        let schema = try await offPool {
            try run(
                TestPaths.python,
                [
                    "-c",
                    "import json, sys, yaml, jsonschema; jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(yaml.safe_load(open(sys.argv[2])))",
                    "\(TestPaths.repositoryRoot)/manifests/schema/reconcile-v1.schema.json", output,
                ])
        }
        #expect(schema.status == 0, "\(schema.stderr)")

        let repo = try await offPool { try ScratchRepository(files: ["manifests/production.yaml": manifest]) }
        let validated = try await offPool { try run(TestPaths.reconcileBinary, ["validate", "--repo", repo.path]) }
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")

        let inSync = try await reconcileStack(stack, repo: repo.path)
        #expect(inSync.status == 0, "\(inSync.output)\n\(manifest)")
        let report = try inSync.report()
        #expect(report.summary.drift == 0 && report.summary.unknown == 0, "\(report.keys("drift")) \(report.keys("unknown"))")
        #expect(Set(report.findings.map(\.checker)) == ["health", "caddy", "docker", "django", "media", "host"])
        #expect(try report.finding("media", "media: live").status == "ok")

        try await offPool { try DemoStack.shared.inject("caddy-root") }
        do {
            let broken = try await reconcileStack(stack, repo: repo.path)
            #expect(broken.status == 2, "\(broken.output)")
            #expect(try broken.report().keys("drift") == ["caddy /media/*", "media media: caddy route", "media media: live"])
        } catch {
            try? await offPool { try DemoStack.shared.restore() }
            throw error
        }
        try await offPool { try DemoStack.shared.restore() }
        #expect(try await reconcileStack(stack, repo: repo.path).status == 0)
    }
}
