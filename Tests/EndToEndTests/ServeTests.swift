import Foundation
import TestSupport
import Testing

/// `reconcile serve`, the built binary, against a real HTTP service whose answer the test
/// changes: /healthz follows the stack, POST /run needs the token, /metrics passes
/// promtool, the status page shows the drift, and SIGTERM lets the run in flight finish.
@Suite struct ServeTests {
    static let token = "serve-TOKEN-0b9d7c"

    /// A health check on `/state`, which answers with the content of a file the test writes.
    static let manifest = """
        apiVersion: reconcile/v1
        kind: Environment
        name: serve-e2e
        vars:
          base: http://127.0.0.1:1
        health:
          - name: api
            url: ${base}/state
            expect: { status: 200, body_contains: '"ok"' }
        """

    struct Stack {
        let repo: ScratchRepository
        let server: FixtureHTTPServer
        let scratch: TemporaryDirectory

        func answer(_ body: String) throws {
            try body.write(toFile: scratch.file("state.json"), atomically: true, encoding: .utf8)
        }

        /// The agent on `remote` (else the repository's path).
        func serve(_ extra: [String] = [], remote: String? = nil) throws -> ServeAgentProcess {
            try ServeAgentProcess(
                [
                    "--dry-run", "--repo", remote ?? repo.path, "--var", "base=\(server.baseURL)", "--state-dir", scratch.file("state"),
                    "--token-file", scratch.file("token"),
                ] + extra)
        }
    }

    /// The manifest with its one health check held at the fixture's gate `name`: the first
    /// `answered` requests answer at once, the next wait until the test opens the gate.
    static func gatedManifest(_ name: String, answered: Int) -> String {
        manifest.replacingOccurrences(of: "${base}/state", with: "${base}/gate/\(name)/\(answered)")
            .replacingOccurrences(
                of: "expect: { status: 200, body_contains: '\"ok\"' }", with: "timeout_ms: 600000\n    expect: { status: 200 }")
    }

    static func stack(manifest: String = manifest) async throws -> Stack {
        try await offPool {
            let repo = try ScratchRepository(files: ["manifests/prod.yaml": manifest])
            let scratch = try TemporaryDirectory(prefix: "reconcile-serve")
            try scratch.write("state.json", #"{"status": "ok"}"#)
            try scratch.write("token", token + "\n")
            let server = try FixtureHTTPServer(serving: ["/state": scratch.file("state.json")])
            return Stack(repo: repo, server: server, scratch: scratch)
        }
    }

    @Test func healthzFollowsTheStackFrom200To503AndBack() async throws {
        let stack = try await Self.stack()
        try await offPool {
            let agent = try stack.serve(["--interval", "3600"])
            try agent.waitFor("/healthz", status: 200)
            let healthy = try agent.request("/healthz")
            #expect(healthy.body.contains(#""status":"ok""#))

            try stack.answer(#"{"status": "<script>alert(1)</script> broken"}"#)
            let requested = try agent.request("/run", method: "POST", headers: ["Authorization: Bearer \(Self.token)"])
            #expect(requested.status == 200)
            #expect(requested.body.contains(#""status" : "drift""#))
            let drifted = try agent.request("/healthz")
            #expect(drifted.status == 503)
            #expect(drifted.body.contains(#""status":"drift""#))
            #expect(try agent.request("/report.json").body == requested.body)

            let page = try agent.request("/")
            #expect(page.status == 200)
            #expect(page.body.contains("<tr class=\"finding drift\">"))
            #expect(!page.body.contains("<script>"))
            #expect(!page.body.contains("<script"), "no JavaScript, and the service's markup escaped")
            #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))

            try stack.answer(#"{"status": "ok"}"#)
            let back = try agent.request("/run", method: "POST", headers: ["Authorization: Bearer \(Self.token)"])
            #expect(back.status == 200)
            #expect(try agent.request("/healthz").status == 200)

            let metrics = try agent.request("/metrics").body
            #expect(metrics.contains("reconcile_status 0\n"))
            #expect(metrics.contains(#"reconcile_serve_runs_total{trigger="request"} 2"#))
            #expect(metrics.contains(#"reconcile_serve_runs_total{trigger="start"} 1"#))
            let check = try run("promtool", ["check", "metrics"], stdin: metrics)
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
            #expect(agent.terminate() == 0)
        }
    }

    /// An agent started on a state directory an earlier agent left (a restart, an upgrade):
    /// until its own first run ends, /healthz says `pending` (503) and /report.json has no
    /// report, so the earlier process's verdict is never served as the stack's state now.
    @Test func untilItsFirstRunEndsAnAgentDoesNotServeAnEarlierAgentsVerdict() async throws {
        // The first request to the gate answers at once; the next waits until it is opened.
        let repo = try await committedRepository(["manifests/prod.yaml": Self.gatedManifest("restart", answered: 1)])
        let scratch = try await offPool { try TemporaryDirectory(prefix: "reconcile-serve-restart") }
        let server = try await offPool { try FixtureHTTPServer() }
        try await offPool {
            func start() throws -> ServeAgentProcess {
                try ServeAgentProcess([
                    "--dry-run", "--repo", repo.path, "--var", "base=\(server.baseURL)", "--state-dir", scratch.file("state"),
                    "--interval", "3600",
                ])
            }
            let earlier = try start()
            try earlier.waitFor("/healthz", status: 200)
            #expect(earlier.terminate() == 0)

            let agent = try start()
            try waitUntil("the new agent's first run to wait at the gate") {
                server.receivedRequests().filter { $0.path == "/gate/restart/1" }.count == 2
            }
            let health = try agent.request("/healthz")
            #expect(health.status == 503, "\(health.body)")
            #expect(health.body == #"{"healthy":false,"status":"pending"}"# + "\n", "\(health.body)")
            #expect(try agent.request("/report.json").status == 404)
            try server.openGate("restart")
            try agent.waitFor("/healthz", status: 200)
            #expect(try agent.request("/report.json").status == 200)
            #expect(agent.terminate() == 0)
        }
    }

    /// A remote that cannot be fetched any more: the runs check the cached commit, and
    /// /healthz says `stale` (503) even though every check is ok; the page says so too.
    @Test func healthzSaysStaleWhenTheRemoteCannotBeFetched() async throws {
        let stack = try await Self.stack()
        let cache = try TemporaryDirectory(prefix: "reconcile-serve-cache")
        let moved = stack.repo.path + "-moved"
        try await offPool {
            let agent = try stack.serve(["--cache-dir", cache.path, "--interval", "3600"], remote: "file://" + stack.repo.path)
            try agent.waitFor("/healthz", status: 200)
            try FileManager.default.moveItem(atPath: stack.repo.path, toPath: moved)
            defer { try? FileManager.default.moveItem(atPath: moved, toPath: stack.repo.path) }
            let run = try agent.request("/run", method: "POST", headers: ["Authorization: Bearer \(Self.token)"])
            #expect(run.status == 200)
            let health = try agent.request("/healthz")
            #expect(health.status == 503)
            #expect(health.body.contains(#""status":"stale""#), "\(health.body)")
            #expect(health.body.contains(#""ok":1"#))
            let page = try agent.request("/").body
            #expect(page.contains(": stale: the desired state could not be fetched</h1>"), "\(page.prefix(800))")
            #expect(page.contains("<strong>stale</strong>, last fetched 20"))
            #expect(agent.terminate() == 0)
        }
    }

    /// The newest run failed (the config repository is gone): /report.json does not pass
    /// the previous report off as current (503 with the error, as /healthz), and the page
    /// says its findings are the last successful run's, and when that was.
    @Test func afterAFailedRunNothingShowsAnOlderReportAsCurrent() async throws {
        let stack = try await Self.stack()
        let moved = stack.repo.path + "-moved"
        try await offPool {
            let agent = try stack.serve(["--interval", "3600"])
            try agent.waitFor("/healthz", status: 200)
            #expect(try agent.request("/report.json").status == 200)
            try FileManager.default.moveItem(atPath: stack.repo.path, toPath: moved)
            defer { try? FileManager.default.moveItem(atPath: moved, toPath: stack.repo.path) }
            let run = try agent.request("/run", method: "POST", headers: ["Authorization: Bearer \(Self.token)"])
            #expect(run.status == 500)
            #expect(try agent.request("/healthz").status == 503)
            let report = try agent.request("/report.json")
            #expect(report.status == 503)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(report.body.utf8)) as? [String: Any])
            #expect(body["status"] as? String == "error")
            #expect((body["error"] as? String)?.isEmpty == false, "\(report.body)")
            #expect(body["findings"] == nil, "not a report")
            let page = try agent.request("/").body
            #expect(page.contains(": error</h1>"))
            #expect(page.contains("<strong>The findings below are from the last successful run</strong>"), "\(page.prefix(1500))")
            #expect(page.contains("<h2>Findings of the last successful run, 20"))
            #expect(agent.terminate() == 0)
        }
    }

    /// HEAD answers wherever GET does (uptime monitors), with GET's status and headers and
    /// no body; another method on a known path is 405 with `Allow`, not 404.
    @Test func headWorksWhereGetDoesAndAWrongMethodIs405() async throws {
        let stack = try await Self.stack()
        try await offPool {
            let agent = try stack.serve(["--interval", "3600"])
            try agent.waitFor("/healthz", status: 200)
            for path in ["/healthz", "/metrics", "/", "/report.json"] {
                let get = try agent.request(path)
                let head = try agent.head(path)
                #expect(head.status == get.status, "\(path)")
                #expect(head.headers["content-type"] == (try agent.head(path, method: "GET").headers["content-type"]), "\(path)")
                #expect(head.headers["content-length"] == String(get.body.utf8.count), "\(path): \(head.headers)")
            }
            let wrong = try agent.head("/run", method: "GET")
            #expect(wrong.status == 405)
            #expect(wrong.headers["allow"] == "POST")
            let post = try agent.head("/healthz", method: "POST")
            #expect(post.status == 405)
            #expect(post.headers["allow"] == "GET, HEAD")
            #expect(try agent.request("/nowhere").status == 404)
            #expect(agent.terminate() == 0)
        }
    }

    @Test func postRunNeedsTheBearerToken() async throws {
        let stack = try await Self.stack()
        try await offPool {
            let agent = try stack.serve(["--interval", "3600"])
            try agent.waitFor("/healthz", status: 200)
            #expect(try agent.request("/run", method: "POST").status == 401)
            #expect(try agent.request("/run", method: "POST", headers: ["Authorization: Bearer wrong"]).status == 401)
            #expect(try agent.request("/run", method: "POST", headers: ["Authorization: Bearer \(Self.token)x"]).status == 401)
            #expect(try agent.request("/run", method: "POST", headers: ["Authorization: Bearer \(Self.token)"]).status == 200)
            let metrics = try agent.request("/metrics").body
            #expect(metrics.contains(#"reconcile_serve_run_requests_total{result="unauthorized"} 3"#))
            #expect(metrics.contains(#"reconcile_serve_run_requests_total{result="accepted"} 1"#))
            #expect(!agent.process.output.contains(Self.token))
        }
    }

    @Test func runsFollowTheIntervalOneAtATime() async throws {
        let stack = try await Self.stack()
        try await offPool {
            let agent = try stack.serve(["--interval", "0.2", "--jitter", "0.5"])
            try waitUntil("three interval runs") {
                (try? agent.request("/metrics").body.contains(#"reconcile_serve_runs_total{trigger="interval"} 3"#)) == true
            }
            #expect(agent.terminate() == 0)
            let lines = try String(contentsOfFile: stack.scratch.file("state/history.jsonl"), encoding: .utf8)
            #expect(lines.split(separator: "\n").count >= 4)
        }
    }

    @Test func sigtermLetsTheRunInFlightFinishAndExitsZero() async throws {
        let stack = try await Self.stack(manifest: Self.gatedManifest("inflight", answered: 0))
        try await offPool {
            let agent = try stack.serve(["--interval", "3600"])
            // The first run starts at once and waits at the gate, opened only after the SIGTERM.
            try waitUntil("a run in flight") { stack.server.receivedRequests().contains { $0.path == "/gate/inflight/0" } }
            #expect(try agent.request("/metrics").body.contains("reconcile_serve_running 1\n"))
            #expect(!FileManager.default.fileExists(atPath: stack.scratch.file("state/history.jsonl")))
            agent.process.process.signal(SIGTERM)
            try stack.server.openGate("inflight")
            #expect(agent.process.process.waitBlocking() == 0, "\(agent.process.output)")
            let history = try String(contentsOfFile: stack.scratch.file("state/history.jsonl"), encoding: .utf8)
            #expect(history.split(separator: "\n").count == 1, "the run in flight was finished and recorded")
            #expect(history.contains(#""exitCode":0"#))
        }
    }
}
