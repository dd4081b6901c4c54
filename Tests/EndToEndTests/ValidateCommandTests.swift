import Foundation
import TestSupport
import Testing

/// `reconcile validate`, for pull-request checks: exit 0 valid, 1 invalid, every error
/// with file:line:col, and GitHub annotations.
@Suite struct ValidateCommandTests {
    static let valid =
        "apiVersion: reconcile/v1\nkind: Environment\nhealth:\n  - name: api\n    url: http://127.0.0.1:8000/\n    expect: { status: 200 }\n"
    static let invalid =
        "apiVersion: reconcile/v1\nkind: Environment\nhealth:\n  - name: api\n    url: ftp://x/\n    retires: 1\n    expect: { status: 200 }\n"

    @Test func validManifestsExitZero() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Self.valid])
        let result = try await reconcile(["validate", "--repo", repo.path])
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(result.stdout == "manifests/prod.yaml: valid (prod: health)\n")
    }

    @Test func anInvalidManifestExitsOneWithEveryErrorPositioned() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Self.invalid, "manifests/ok.yaml": Self.valid])
        let result = try await reconcile(["validate", "--repo", repo.path])
        #expect(result.status == 1)
        #expect(
            result.stdout
                == """
                manifests/ok.yaml: valid (ok: health)
                manifests/prod.yaml:5:10: health[0].url: unsupported URL scheme 'ftp' in 'ftp://x/'; use http, https
                manifests/prod.yaml:6:5: health[0].retires: unknown key 'retires'; did you mean 'retries'? (allowed: name, url, method, bearer_token_env, bearer_token_file, expect, timeout_ms, retries, follow_redirects, ca_file)

                """)
    }

    /// Decoding stops a section at its first problem; validate still lists every one, in
    /// every item and every section, each once.
    @Test func everyShapeProblemOfEverySectionIsListedOnce() async throws {
        let manifest = """
            apiVersion: reconcile/v1
            kind: Environment
            health:
              - name: a
                url: ftp://x/
              - name: b
                url: http://127.0.0.1/
                retries: -1
                expect: { status: 99999, bodyy: x }
            docker:
              containers:
                - { name: web, state: runing }
                - { name: db, restart_policy: sometimes }

            """
        let repo = try await committedRepository(["manifests/prod.yaml": manifest])
        let result = try await reconcile(["validate", "--repo", repo.path])
        #expect(result.status == 1)
        #expect(
            result.stdout
                == """
                manifests/prod.yaml:4:5: health[0]: missing required key 'expect'
                manifests/prod.yaml:5:10: health[0].url: unsupported URL scheme 'ftp' in 'ftp://x/'; use http, https
                manifests/prod.yaml:8:14: health[1].retries: -1 is out of range 0...10
                manifests/prod.yaml:9:23: health[1].expect.status: 99999 is out of range 100...599
                manifests/prod.yaml:9:30: health[1].expect.bodyy: unknown key 'bodyy' (allowed: status, body_contains, max_latency_ms)
                manifests/prod.yaml:12:27: docker.containers[0].state: 'runing' is not one of created, running, paused, restarting, exited, dead; did you mean 'running'?
                manifests/prod.yaml:13:35: docker.containers[1].restart_policy: 'sometimes' is not a restart policy (no, always, unless-stopped, on-failure, on-failure:N)

                """, "\(result.stdout)")
    }

    @Test func githubFormatEmitsErrorAnnotations() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Self.invalid])
        let result = try await reconcile(["validate", "--repo", repo.path, "--format", "github"])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(
            lines.first
                == "::error file=manifests/prod.yaml,line=5,col=10,title=reconcile validate::health[0].url: unsupported URL scheme 'ftp' in 'ftp://x/'; use http, https"
        )
        #expect(lines.last?.hasPrefix("::error file=manifests/prod.yaml,line=6,col=5,title=reconcile validate::") == true)
    }

    @Test func githubFormatIsSilentWhenValid() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Self.valid])
        let result = try await reconcile(["validate", "--repo", repo.path, "--format", "github"])
        #expect(result.status == 0)
        #expect(result.stdout == "")
    }

    @Test func jsonFormatListsEachFile() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Self.invalid])
        let result = try await reconcile(["validate", "--repo", repo.path, "--format", "json"])
        #expect(result.status == 1)
        let report = try result.json()
        #expect(report["version"] as? Int == 1)
        #expect(report["valid"] as? Bool == false)
        let files = try #require(report["files"] as? [[String: Any]])
        let errors = try #require(files.first?["errors"] as? [[String: Any]])
        #expect(errors.first?["line"] as? Int == 5)
        #expect(errors.first?["column"] as? Int == 10)
        #expect(errors.first?["key"] as? String == "health[0].url")
    }

    @Test func validateReadsTheRefNotTheWorkingTree() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Self.valid])
        try repo.write("manifests/prod.yaml", Self.invalid)
        #expect(try await reconcile(["validate", "--repo", repo.path]).status == 0)
        #expect(try await reconcile(["validate", "--repo", repo.path, "--worktree"]).status == 1)
    }

    @Test func validateNamedPaths() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Self.valid, "staging/stage.yaml": Self.invalid])
        #expect(try await reconcile(["validate", "--repo", repo.path, "manifests/prod.yaml"]).status == 0)
        let staging = try await reconcile(["validate", "--repo", repo.path, "./staging/stage.yaml"])
        #expect(staging.status == 1)
        #expect(staging.stdout.hasPrefix("staging/stage.yaml:5:10: "))
    }

    @Test func aVarOverrideAppliesToValidation() async throws {
        let manifest =
            "apiVersion: reconcile/v1\nkind: Environment\nhealth:\n  - name: api\n    url: ${base}/\n    expect: { status: 200 }\n"
        let repo = try await committedRepository(["manifests/prod.yaml": manifest])
        let missing = try await reconcile(["validate", "--repo", repo.path])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("unknown variable ${base}"))
        #expect(try await reconcile(["validate", "--repo", repo.path, "--var", "base=http://127.0.0.1:1"]).status == 0)
    }
}
