import Foundation
import TestSupport
import Testing

/// Secrets a URL carries outside its user info (a `?token=`, `&api_key=`, `?sig=` or
/// `?password=` value, a webhook whose path is its token) never reach any output: every
/// run format, the report, metrics and state files, the logs, a notification's body, and
/// the agent's page, report, health and metrics.
@Suite struct URLSecretsTests {
    static let secrets = ["qTok-5ecret-071", "qKey-5ecret-072", "qSig-5ecret-073", "qPass-5ecret-074", "qHook-5ecret-075"]

    /// Checks that cannot be answered (port 1), so that every finding quotes its URL, and
    /// a notification target whose URL carries a token too.
    static let manifest = """
        apiVersion: reconcile/v1
        kind: Environment
        name: url-secrets
        health:
          - name: query-token
            url: http://127.0.0.1:1/health?token=\(secrets[0])&api_key=\(secrets[1])&page=2
            expect: { status: 200 }
          - name: signed
            url: http://127.0.0.1:1/blob?sv=2020&sig=\(secrets[2])#password=\(secrets[3])
            expect: { status: 200 }
          - name: webhook
            url: http://127.0.0.1:1/hooks/\(secrets[4])
            expect: { status: 200 }
        notify:
          - name: ops
            url_env: RECONCILE_TEST_WEBHOOK
        """

    static func assertNoSecret(_ text: String, _ place: String) {
        for secret in secrets { #expect(!text.contains(secret), "\(place) leaks \(secret): \(text.prefix(2000))") }
    }

    @Test func querySecretsAndWebhookTokensNeverAppearInAnyRunOutputFileOrNotification() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Self.manifest])
        let scratch = try await offPool { try TemporaryDirectory(prefix: "reconcile-url-secrets") }
        let receiver = try await offPool { try WebhookReceiver() }
        defer { receiver.stop() }
        for format in ["text", "json", "github", "sarif", "junit", "prometheus"] {
            let result = try await reconcile(
                [
                    "--dry-run", "--repo", repo.path, "--format", format, "--state-dir", scratch.file("state"),
                    "--report-file", scratch.file("report.json"), "--metrics-file", scratch.file("metrics.prom"),
                    "--verbose",
                ],
                environment: ["RECONCILE_TEST_WEBHOOK": receiver.url("/hook?token=\(Self.secrets[0])")])
            #expect(result.status == 2, "\(result.allOutput)")
            Self.assertNoSecret(result.allOutput, format)
            let shown = format == "junit" ? "?token=***&amp;api_key=***&amp;page=2" : "?token=***&api_key=***&page=2"
            if format != "prometheus" { #expect(result.stdout.contains(shown), "\(format)") }
        }
        for file in try FileManager.default.subpathsOfDirectory(atPath: scratch.path) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: scratch.file(file), isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            Self.assertNoSecret(try String(contentsOfFile: scratch.file(file), encoding: .utf8), file)
        }
        try await offPool { try waitUntil(timeout: .seconds(30), "a notification") { !receiver.posts().isEmpty } }
        for post in receiver.posts() { Self.assertNoSecret(post.body, "a notification") }
        #expect(receiver.posts().contains { $0.body.contains("/hooks/***") })
    }

    @Test func querySecretsNeverAppearOnTheAgentsPageReportHealthOrMetrics() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Self.manifest])
        let scratch = try await offPool { try TemporaryDirectory(prefix: "reconcile-url-secrets-serve") }
        try await offPool {
            let agent = try ServeAgentProcess(
                ["--dry-run", "--repo", repo.path, "--state-dir", scratch.file("state"), "--interval", "3600"],
                environment: ["RECONCILE_TEST_WEBHOOK": nil])
            try waitUntil("the agent's first run") { (try? agent.request("/healthz").body.contains(#""status":"drift""#)) == true }
            let page = try agent.request("/").body
            #expect(page.contains("sig=***"), "\(page.prefix(3000))")
            for path in ["/", "/report.json", "/healthz", "/metrics"] {
                Self.assertNoSecret(try agent.request(path).body, path)
            }
            #expect(agent.terminate() == 0)
            Self.assertNoSecret(agent.process.output, "the agent's log")
        }
    }
}
