import Foundation
import TestSupport
import Testing

/// A fleet as the README describes it, all real and on loopback: three `reconcile serve`
/// agents, a Prometheus scraping them with contrib's alert rules (ReconcileDrift's
/// `for:` shortened to 2 s in the test's copy), and an Alertmanager delivering to a
/// webhook receiver. When one agent's stack drifts, exactly that agent's ReconcileDrift
/// arrives.
@Suite(.timeLimit(.minutes(2)))
struct FleetTests {
    static let token = "fleet-token-5e2a"

    static let manifest = """
        apiVersion: reconcile/v1
        kind: Environment
        name: fleet
        vars:
          base: http://127.0.0.1:1
          path: /state-1
        health:
          - name: api
            url: ${base}${path}
            expect: { status: 200, body_contains: '"ok"' }
        """

    @Test func oneDriftingAgentRaisesReconcileDriftThroughPrometheusAndAlertmanager() async throws {
        try await offPool {
            let scratch = try TemporaryDirectory(prefix: "reconcile-fleet")
            let repo = try ScratchRepository(files: ["manifests/fleet.yaml": Self.manifest])
            try scratch.write("token", Self.token)
            var served: [String: String] = [:]
            for host in 1...3 { served["/state-\(host)"] = try scratch.write("state-\(host).json", #"{"status": "ok"}"#) }
            let service = try FixtureHTTPServer(serving: served)
            let agents = try (1...3).map { host in
                try ServeAgentProcess([
                    "--dry-run", "--repo", repo.path, "--var", "base=\(service.baseURL)", "--var", "path=/state-\(host)",
                    "--interval", "3600", "--state-dir", scratch.file("state-\(host)"), "--token-file", scratch.file("token"),
                ])
            }
            for agent in agents { try agent.waitFor("/healthz", status: 200) }

            let receiver = try WebhookReceiver()
            let alertmanagerPort = try freeLoopbackPort()
            try scratch.write(
                "alertmanager.yml",
                """
                route:
                  receiver: hook
                  group_by: [alertname, instance]
                  group_wait: 1s
                  group_interval: 1s
                  repeat_interval: 1h
                receivers:
                  - name: hook
                    webhook_configs:
                      - url: \(receiver.url("/alerts"))
                """)
            let alertmanager = try ManagedProcess(
                "prometheus-alertmanager",
                [
                    "--config.file=\(scratch.file("alertmanager.yml"))", "--storage.path=\(scratch.file("am-data"))",
                    "--web.listen-address=127.0.0.1:\(alertmanagerPort)", "--cluster.listen-address=",
                ])
            defer { alertmanager.stop() }

            let rules = try String(contentsOfFile: TestPaths.repositoryRoot + "/contrib/prometheus/reconcile.rules.yml", encoding: .utf8)
            let alert = try #require(rules.range(of: "alert: ReconcileDrift\n"))
            let drift = try #require(rules.range(of: "for: 10m\n", range: alert.upperBound..<rules.endIndex))
            try scratch.write("rules.yml", rules.replacingCharacters(in: drift, with: "for: 2s\n"))
            let prometheusPort = try freeLoopbackPort()
            let targets = agents.map { "\"127.0.0.1:\($0.port)\"" }.joined(separator: ", ")
            try scratch.write(
                "prometheus.yml",
                """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files: [\(scratch.file("rules.yml"))]
                alerting:
                  alertmanagers:
                    - static_configs:
                        - targets: ["127.0.0.1:\(alertmanagerPort)"]
                scrape_configs:
                  - job_name: reconcile
                    static_configs:
                      - targets: [\(targets)]
                """)
            let prometheus = try ManagedProcess(
                "prometheus",
                [
                    "--config.file=\(scratch.file("prometheus.yml"))", "--storage.tsdb.path=\(scratch.file("tsdb"))",
                    "--web.listen-address=127.0.0.1:\(prometheusPort)",
                ])
            defer { prometheus.stop() }
            let inSync = "http://127.0.0.1:\(prometheusPort)/api/v1/query?query=count(reconcile_status%3D%3D0)"
            try waitUntil(timeout: .seconds(40), "Prometheus scraping three agents in sync") {
                (try? run("curl", ["-s", inSync]).stdout.contains(#","3"]"#)) == true
            }

            // The second host's stack drifts; its agent finds out on the next run.
            try #"{"status": "broken"}"#.write(toFile: scratch.file("state-2.json"), atomically: true, encoding: .utf8)
            let ran = try agents[1].request("/run", method: "POST", headers: ["Authorization: Bearer \(Self.token)"])
            #expect(ran.status == 200)
            try agents[1].waitFor("/healthz", status: 503)

            try waitUntil(timeout: .seconds(60), "ReconcileDrift at the webhook") {
                receiver.posts().contains { $0.body.contains(#""alertname":"ReconcileDrift""#) }
            }
            let alerts = receiver.posts().compactMap { post -> [[String: Any]]? in
                (try? JSONSerialization.jsonObject(with: Data(post.body.utf8)) as? [String: Any])?["alerts"] as? [[String: Any]]
            }.flatMap { $0 }
            let drifting = alerts.compactMap { $0["labels"] as? [String: String] }.filter { $0["alertname"] == "ReconcileDrift" }
            #expect(Set(drifting.compactMap { $0["instance"] }) == ["127.0.0.1:\(agents[1].port)"])
            #expect(drifting.allSatisfy { $0["job"] == "reconcile" && $0["severity"] == "warning" })
            #expect(
                alerts.filter { ($0["labels"] as? [String: String])?["alertname"] == "ReconcileDrift" }.allSatisfy {
                    $0["status"] as? String == "firing"
                })
        }
    }
}
