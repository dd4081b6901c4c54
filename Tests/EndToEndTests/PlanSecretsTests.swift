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
}
