import Foundation
import TestSupport
import Testing

/// `reconcile plan --live` masks what it prints as a run masks its report: the secrets
/// its observation read (a health check's bearer token, whichever way it is quoted) and
/// credentials inside URLs, in every format.
@Suite struct PlanSecretsTests {
    static let token = "tok-5ecret-plan-live-0042"
    static let password = "hunter2-url-password"

    /// The base and the head check the authenticated health URL for statuses it does not
    /// answer (production matches neither side, so every format details the change); the
    /// head adds a password to its URL and quotes the token (as it reads from the
    /// environment) in what the body must hold.
    static func repository(base url: String) async throws -> ScratchRepository {
        func manifest(_ check: String) -> String {
            """
            apiVersion: reconcile/v1
            kind: Environment
            name: production
            health:
              - name: api-auth
            \(check)
                bearer_token_env: RECONCILE_HEALTH_TOKEN

            """
        }
        let authenticated = url.replacingOccurrences(of: "http://", with: "http://monitor:\(Self.password)@")
        return try await pullRequestRepository(
            base: ["manifests/production.yaml": manifest("    url: \(url)/api/health/auth/\n    expect: { status: 201 }")],
            head: [
                "manifests/production.yaml":
                    manifest("    url: \(authenticated)/api/health/auth/\n    expect: { status: 202, body_contains: \(Self.token) }")
            ])
    }

    @Test(arguments: ["text", "json", "sarif", "junit", "markdown", "github"])
    func theTokenTheLiveObservationReadAndURLCredentialsNeverAppear(format: String) async throws {
        let server = try FixtureHTTPServer(token: Self.token)
        defer { server.stop() }
        let repo = try await Self.repository(base: server.baseURL)
        let result = try await reconcile(
            ["plan", "--repo", repo.path, "--base", "base", "--live", "--format", format],
            environment: ["RECONCILE_HEALTH_TOKEN": Self.token])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(!result.allOutput.contains(Self.token), "\(result.allOutput)")
        #expect(!result.allOutput.contains(Self.password), "\(result.allOutput)")
        // Judged on the live answers all the same: masking comes after comparing.
        #expect(result.stdout.contains(format == "json" ? "\"neither\"" : "production matches neither side"), "\(result.stdout)")
        if format == "text" { #expect(result.stdout.contains("http://***@127.0.0.1:"), "\(result.stdout)") }
    }

    /// Only the password of a URL changes: both sides mask to the same text, so the new
    /// side marks its masked part as changed (never either password, nor a digest of one).
    @Test(arguments: ["text", "json", "markdown", "sarif"])
    func aChangeOfOnlyAURLPasswordShowsAsAChangedSecret(format: String) async throws {
        func manifest(_ password: String) -> String {
            Manifests.health(
                "  - name: api\n    url: http://monitor:\(password)@127.0.0.1:1/health?page=2\n    expect: { status: 200 }\n")
        }
        let repo = try await pullRequestRepository(
            base: ["manifests/production.yaml": manifest("old-pw-7781")], head: ["manifests/production.yaml": manifest("new-pw-7782")])
        let result = try await reconcile(["plan", "--repo", repo.path, "--base", "base", "--format", format])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(!result.allOutput.contains("pw-778"), "\(result.allOutput)")
        // Markdown escapes the asterisks and breaks the `@` mention with a zero-width joiner.
        let changed = format == "markdown" ? "http://\\*\\*\\*(changed)@\u{200D}127.0.0.1" : "http://***(changed)@127.0.0.1:1/health?page=2"
        #expect(result.stdout.contains(changed), "\(result.stdout)")
        if format == "text" {
            #expect(result.stdout.contains("url: http://***@127.0.0.1:1/health?page=2 → http://***(changed)@127.0.0.1:1/health?page=2"))
        }
    }
}
