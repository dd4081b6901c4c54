import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import CaddyChecker

/// A site with one route of each repairable kind, plus an unmanaged one.
let repairSites = """
    http://rims.example.com:$PORT0 {
    	handle /api/* {
    		reverse_proxy 127.0.0.1:8000
    	}
    	handle_path /media/* {
    		root * $DIR/media
    		file_server
    	}
    	handle /static/* {
    		root * $DIR/static
    		file_server
    	}
    	handle /files/* {
    		reverse_proxy 127.0.0.1:8000
    	}
    	handle /legacy/* {
    		respond "legacy" 200
    	}
    	handle {
    		root * $DIR/frontend
    		file_server
    	}
    }
    """

/// What the manifest wants of `repairSites`: every route but `/*` differs, `/new/*` is missing.
func repairManifest(_ caddy: CaddyInstance, apply: String = "apply: { caddy: true, verify: [] }") -> String {
    let dir = caddy.scratch.path
    return """
        caddy:
          admin: \(caddy.adminURL)
          sites:
            - hosts: [rims.example.com]
              routes:
                - { path: /api/*, reverse_proxy: ["127.0.0.1:8001"] }
                - { path: /media/*, strip_prefix: true, file_server: { root: \(dir)/media2 } }
                - { path: /static/*, strip_prefix: true, file_server: { root: \(dir)/static } }
                - { path: /files/*, file_server: { root: \(dir)/files } }
                - { path: /new/*, reverse_proxy: ["127.0.0.1:9000"] }
                - { path: /*, file_server: { root: \(dir)/frontend } }
        \(apply)
        """
}

let repairFiles = [
    "media2/hello.txt": "from media2", "static/s.txt": "static file", "files/files/f.txt": "a file",
    "frontend/index.html": "front",
]

/// Apply mode on a real Caddy: each repair in place, verification, rollback, journal,
/// lock, signals and the prompt, through the built binary.
@Suite struct ApplyLiveTests {
    @Test func everyRouteRepairIsMadeInPlaceAndTheNextDryRunIsInSync() async throws {
        let caddy = try await startCaddy(repairSites, files: repairFiles)
        defer { caddy.stop() }
        let repo = try await applyRepository(repairManifest(caddy))
        let state = try TemporaryDirectory(prefix: "reconcile-apply-state")

        let plan = try await reconcileRun(repo: repo.path, state: state.path, dryRun: true)
        #expect(plan.status == 2)
        #expect(plan.drift == ["/api/*", "/media/*", "/static/*", "/files/*", "/new/*"])
        let plans = plan.findings.compactMap { $0["plan"] as? String }
        #expect(plans.count == 5 && plans.allSatisfy { $0.hasPrefix("would: ") }, "\(plans)")
        #expect(plans.contains("would: PATCH caddy route /media/* on rims.example.com root → \(caddy.scratch.path)/media2"))
        #expect(plan.actionLines.allSatisfy { $0.hasPrefix("planned ") })
        #expect(journalLines(state.path).isEmpty, "a dry run writes no journal")

        let applied = try await reconcileRun(repo: repo.path, state: state.path)
        #expect(applied.status == 0, "\(applied.stderr)\n\(applied.stdout)")
        #expect(
            applied.actionLines == [
                "applied PATCH caddy route /api/* on rims.example.com upstreams → 127.0.0.1:8001",
                "applied PATCH caddy route /media/* on rims.example.com root → \(caddy.scratch.path)/media2",
                "applied PATCH caddy route /static/* on rims.example.com strip /static",
                "applied PATCH caddy route /files/* on rims.example.com handler → file_server root \(caddy.scratch.path)/files",
                "applied PUT caddy route /new/* on rims.example.com → reverse_proxy 127.0.0.1:9000",
            ])
        #expect(applied.drift.isEmpty)

        // The repairs are real: Caddy now serves what the manifest says, and the route
        // nobody declared is untouched.
        #expect(try await fetchThrough(caddy, host: "rims.example.com", path: "/media/hello.txt") == (200, "from media2"))
        #expect(try await fetchThrough(caddy, host: "rims.example.com", path: "/static/s.txt") == (200, "static file"))
        #expect(try await fetchThrough(caddy, host: "rims.example.com", path: "/files/f.txt") == (200, "a file"))
        #expect(try await fetchThrough(caddy, host: "rims.example.com", path: "/new/x").0 == 502)
        #expect(try await fetchThrough(caddy, host: "rims.example.com", path: "/legacy/x") == (200, "legacy"))

        let again = try await reconcileRun(repo: repo.path, state: state.path, dryRun: true)
        #expect(again.status == 0, "\(again.stdout)")
        let journal = journalLines(state.path)
        #expect(journal.map { $0["result"] as? String } == Array(repeating: "applied", count: 5))
        let first = try #require(journal.first)
        #expect(Set(first.keys) == ["time", "commit", "checker", "resource", "action", "before", "after", "result", "detail"])
        #expect(first["before"] as? String == "reverse_proxy 127.0.0.1:8000")
        #expect(first["after"] as? String == "reverse_proxy 127.0.0.1:8001")
        #expect((first["commit"] as? String)?.count == 40)
    }

    /// `notify: on: [apply]` against a real webhook receiver: the apply run sends one
    /// message listing every action and how it ended; the dry runs around it (a plan, then
    /// in sync) send nothing; the webhook URL is never printed.
    @Test func applyingSendsOneMessageListingTheActionsAndTheirOutcome() async throws {
        let caddy = try await startCaddy(repairSites, files: repairFiles)
        defer { caddy.stop() }
        let receiver = try await offPool { try WebhookReceiver() }
        let notify = """
            notify:
              - name: ops
                url_env: RECONCILE_TEST_WEBHOOK
                on: [apply]
              - name: chat
                url_env: RECONCILE_TEST_WEBHOOK_SLACK
                format: slack
                on: [apply]
            """
        let repo = try await applyRepository(repairManifest(caddy, apply: "apply: { caddy: true, verify: [] }\n" + notify))
        let state = try TemporaryDirectory(prefix: "reconcile-apply-state")
        let hook = "/hooks/T0-SECRET-apply"
        let environment = ["RECONCILE_TEST_WEBHOOK": receiver.url(hook), "RECONCILE_TEST_WEBHOOK_SLACK": receiver.url(hook + "/slack")]
        let extra = ["--state-dir", state.file("state")]

        let plan = try await reconcileRun(repo: repo.path, state: state.path, dryRun: true, extra: extra, environment: environment)
        #expect(plan.status == 2)
        #expect(receiver.posts().isEmpty, "a dry run's plan is not an apply")

        let applied = try await reconcileRun(repo: repo.path, state: state.path, extra: extra, environment: environment)
        #expect(applied.status == 0, "\(applied.stderr)")
        // Targets are served concurrently, so the two posts may arrive in either order.
        let posts = receiver.posts().sorted { $0.path < $1.path }
        try #require(posts.map(\.path) == [hook, hook + "/slack"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(posts[0].body.utf8)) as? [String: Any])
        #expect(json["event"] as? String == "apply")
        #expect(json["summary"] as? String == "5 applied")
        let actions = try #require(json["actions"] as? [[String: Any]])
        #expect(actions.map { "\($0["status"] ?? "?") \($0["action"] ?? "?")" } == applied.actionLines)
        let slack = try #require(try JSONSerialization.jsonObject(with: Data(posts[1].body.utf8)) as? [String: Any])
        let text = try #require(slack["text"] as? String)
        #expect(text.contains(": applied* · 5 applied\n• applied: caddy `/api/*` PATCH caddy route /api/*"), "\(text)")

        let again = try await reconcileRun(repo: repo.path, state: state.path, extra: extra, environment: environment)
        #expect(again.status == 0)
        #expect(receiver.posts().count == 2, "nothing left to apply, nothing to tell")
        for run in [plan, applied, again] { #expect(!(run.stdout + run.stderr).contains(hook)) }
    }

    /// `reconcile_actions_total` in `reconcile serve` is a Prometheus counter: every run's
    /// actions are added (here a dry run's five planned repairs, three runs), while the
    /// metrics textfile each run replaces holds that run's alone. Its `action` label is the
    /// action's kind, so five routes' repairs are one series.
    @Test func serveCountsActionsOverItsRunsAndTheTextfileHoldsOneRun() async throws {
        let caddy = try await startCaddy(repairSites, files: repairFiles)
        defer { caddy.stop() }
        let repo = try await applyRepository(repairManifest(caddy))
        let state = try TemporaryDirectory(prefix: "reconcile-serve-actions")
        try state.write("token", "serve-actions-token\n")
        let (metrics, textfile) = try await offPool {
            let agent = try ServeAgentProcess([
                "--dry-run", "--repo", repo.path, "--manifest", "manifests/production.yaml", "--interval", "3600",
                "--state-dir", state.file("state"), "--metrics-file", state.file("reconcile.prom"), "--token-file", state.file("token"),
            ])
            defer { _ = agent.terminate() }
            try agent.waitFor("/healthz", status: 503)
            for _ in 0..<2 {
                let run = try agent.request("/run", method: "POST", headers: ["Authorization: Bearer serve-actions-token"])
                #expect(run.status == 200)
            }
            return (try agent.request("/metrics").body, try String(contentsOfFile: state.file("reconcile.prom"), encoding: .utf8))
        }
        // The five repairs are one kind (`caddy`, their apply: permission): one series,
        // whatever the routes' text.
        let sample = #"reconcile_actions_total{checker="caddy",action="caddy",status="planned"}"#
        #expect(metrics.contains(sample + " 15\n"), "\(metrics)")
        #expect(metrics.contains("# TYPE reconcile_actions_total counter\n"))
        #expect(metrics.components(separatedBy: "\nreconcile_actions_total{").count - 1 == 1)
        #expect(textfile.contains(sample + " 5\n"), "\(textfile)")
        #expect(!metrics.contains(caddy.scratch.path), "no live path in a label")
    }

    @Test func withoutAnApplySectionNothingChanges() async throws {
        let caddy = try await startCaddy(repairSites, files: repairFiles)
        defer { caddy.stop() }
        let repo = try await applyRepository(repairManifest(caddy, apply: ""))
        let state = try TemporaryDirectory(prefix: "reconcile-apply-state")
        let before = try await liveConfig(caddy)
        let run = try await reconcileRun(repo: repo.path, state: state.path)
        #expect(run.status == 2)
        #expect(run.actions.allSatisfy { $0["status"] as? String == "skipped" } && run.actions.count == 5)
        #expect(run.actions.first?["detail"] as? String == "the manifest has no apply: section (report only)")
        #expect(try await liveConfig(caddy) == before)
    }

    @Test func aRouteTheDockerPolicyAloneDoesNotCoverStaysManual() async throws {
        let caddy = try await startCaddy(repairSites, files: repairFiles)
        defer { caddy.stop() }
        let repo = try await applyRepository(repairManifest(caddy, apply: "apply: { docker: [start], verify: [] }"))
        let state = try TemporaryDirectory(prefix: "reconcile-apply-state")
        let before = try await liveConfig(caddy)
        let run = try await reconcileRun(repo: repo.path, state: state.path)
        #expect(run.status == 2)
        let plans = run.findings.compactMap { $0["plan"] as? String }
        #expect(
            plans.first
                == "manual: PATCH caddy route /api/* on rims.example.com upstreams → 127.0.0.1:8001 is not allowed: apply.caddy is not true"
        )
        #expect(try await liveConfig(caddy) == before)
    }

    /// `--only caddy` repairs only Caddy, but the health check `verify:` names still gates
    /// it: it was observed "ok before" (an exploratory review found the gate off then).
    @Test(arguments: [[], ["--only", "caddy"]])
    func aDeadUpstreamGatedByHealthIsRolledBackByteForByte(extra: [String]) async throws {
        let upstream = try await offPool { try FixtureHTTPServer() }
        let dead = try ReservedPort()
        let caddy = try await startCaddy(
            """
            :$PORT0 {
            	handle /api/* {
            		reverse_proxy 127.0.0.1:\(upstream.port ?? 0)
            	}
            }
            """)
        defer { caddy.stop() }
        let repo = try await applyRepository(
            """
            caddy:
              admin: \(caddy.adminURL)
              sites:
                - routes:
                    - { path: /api/*, reverse_proxy: ["127.0.0.1:\(dead.port)"] }
            health:
              - name: api
                url: \(caddy.listenURL())/api/health/
                expect: { status: 200 }
            apply:
              caddy: true
            """)
        let state = try TemporaryDirectory(prefix: "reconcile-apply-state")
        let before = try await liveConfig(caddy)
        let run = try await reconcileRun(repo: repo.path, state: state.path, extra: extra)
        #expect(run.status == 1, "\(run.stdout)")
        #expect(run.actionLines == ["rolled_back PATCH caddy route /api/* upstreams → 127.0.0.1:\(dead.port)"])
        #expect((run.actions.first?["detail"] as? String)?.contains("health api was ok before and is drift after") == true)
        #expect(run.stderr.contains("verification failed"))
        #expect(try await liveConfig(caddy) == before, "the live config is byte for byte what it was")
        #expect(journalLines(state.path).map { $0["result"] as? String } == ["applied", "rolled_back"])
    }

    /// An unwritable `--report-file` is found before anything changes: the run used to
    /// apply, then fail to write the report and lose it (found by exploratory review),
    /// and so did a report file that is a directory (found by a later one).
    @Test(arguments: [false, true]) func anUnwritableReportFileStopsTheApplyBeforeItActs(aDirectory: Bool) async throws {
        let caddy = try await startCaddy(repairSites, files: repairFiles)
        defer { caddy.stop() }
        let repo = try await applyRepository(repairManifest(caddy))
        let state = try TemporaryDirectory(prefix: "reconcile-apply-state")
        let before = try await liveConfig(caddy)
        let (path, reason) = aDirectory ? (caddy.scratch.path, "Is a directory") : ("/nonexistent/dir/r.json", "No such file or directory")
        let run = try await reconcileRun(repo: repo.path, state: state.path, extra: ["--report-file", path])
        #expect(run.status == 1, "\(run.stdout)")
        #expect(run.stderr.contains("cannot write report file \(path): \(reason); nothing was applied"), "\(run.stderr)")
        #expect(try await liveConfig(caddy) == before, "nothing was applied")
        #expect(journalLines(state.path).isEmpty)
    }

    @Test func aDryRunWithAPolicySendsNoMutatingRequest() async throws {
        let caddy = try await startCaddy(repairSites, files: repairFiles, adminSocket: true)
        defer { caddy.stop() }
        let proxy = try await AdminProxy(caddy)
        defer { proxy.process.stop() }
        let log = proxy.log
        let repo = try await applyRepository(proxy.manifest(repairManifest(caddy)))
        let state = try TemporaryDirectory(prefix: "reconcile-apply-state")

        let plan = try await reconcileRun(repo: repo.path, state: state.path, dryRun: true)
        #expect(plan.status == 2)
        #expect(plan.actionLines.count == 5 && plan.actionLines.allSatisfy { $0.hasPrefix("planned ") })
        let seen = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(!seen.isEmpty && seen.allSatisfy { $0.hasPrefix("GET ") }, "\(seen)")

        // The same proxy does see an apply's changes: the proof above can fail.
        let applied = try await reconcileRun(repo: repo.path, state: state.path)
        #expect(applied.status == 0, "\(applied.stdout)")
        let all = try String(contentsOfFile: log, encoding: .utf8)
        #expect(all.contains("PATCH /config/apps/http/servers/srv0/routes/0/handle/0/routes/"))
        #expect(all.contains("PUT /config/apps/http/servers/srv0/routes/0/handle/0/routes/"))
    }

    @Test func aCaddyfileFromGitIsLoadedAndWrittenForRestarts() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let target = caddy.scratch.file("deployed/Caddyfile")
        try FileManager.default.createDirectory(atPath: caddy.scratch.file("deployed"), withIntermediateDirectories: true)
        let (repo, desired, state, config) = try await Self.caddyfileSetup(
            caddy, writingTo: target, config: "caddyfile_writes: [\(target)]")
        let run = try await reconcileRun(repo: repo.path, state: state.path, extra: ["--config", config])
        #expect(run.status == 0, "\(run.stderr)\n\(run.stdout)")
        #expect(run.actionLines == ["applied POST caddy /load deploy/Caddyfile and write it to \(target)"])
        #expect(try String(contentsOfFile: target, encoding: .utf8) == desired)
        #expect(
            try await liveValue(caddy, "/config/apps/http/servers/srv0/routes/0/handle/0/routes/0/handle/0/routes/1/handle/0/root")
                == "\"\(caddy.scratch.file("elsewhere"))\"")
        #expect(try await reconcileRun(repo: repo.path, state: state.path, dryRun: true).status == 0)
    }

    /// `write_caddyfile:` is the manifest's, and so is the Caddyfile's text: without the
    /// operator config's `caddyfile_writes:` an apply wrote it, as root, wherever the
    /// manifest said (`/etc/profile.d/x.sh`; a `respond "$(cmd)"` line runs in a shell).
    /// Found by exploratory review; now refused before anything is loaded.
    @Test func aCaddyfileIsWrittenOnlyWhereTheOperatorConfigAllows() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let target = caddy.scratch.file("profile.sh")
        let (repo, _, state, config) = try await Self.caddyfileSetup(caddy, writingTo: target, config: "containers: [backend]")
        let before = try await liveConfig(caddy)
        let applied = try await reconcileRun(repo: repo.path, state: state.path, extra: ["--config", config])
        #expect(applied.status == 1, "\(applied.stdout)")
        #expect(
            applied.stderr.contains("write_caddyfile: not allowed: \(target) is not listed under caddyfile_writes:"), "\(applied.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(try await liveConfig(caddy) == before, "nothing was loaded")

        let validate = try await offPool {
            try run(TestPaths.reconcileBinary, ["validate", "--repo", repo.path, "--config", config])
        }
        #expect(validate.status == 1)
        #expect(
            validate.stdout.contains("caddy.write_caddyfile: writes the Caddyfile to \(target) on this host when applying: not allowed"),
            "\(validate.stdout)")
    }

    /// A repository whose manifest loads its Caddyfile (Caddy's own, the media root moved)
    /// and writes it to `target`; the state directory and an operator config saying `config`.
    static func caddyfileSetup(
        _ caddy: CaddyInstance, writingTo target: String, config: String
    ) async throws -> (repo: ScratchRepository, desired: String, state: TemporaryDirectory, config: String) {
        let desired = try String(contentsOfFile: caddy.scratch.file("Caddyfile"), encoding: .utf8)
            .replacingOccurrences(of: caddy.scratch.file("media"), with: caddy.scratch.file("elsewhere"))
        let repo = try await applyRepository(
            """
            caddy:
              admin: \(caddy.adminURL)
              caddyfile: deploy/Caddyfile
              write_caddyfile: \(target)
            apply: { caddy: true, verify: [] }
            """, files: ["deploy/Caddyfile": desired])
        let state = try TemporaryDirectory(prefix: "reconcile-apply-state")
        let file = state.file("config.yaml")
        try (config + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return (repo, desired, state, file)
    }

    /// The operator config's `apply:` is the host's ceiling: a manifest granting `caddy`
    /// on a host that lists only `docker.start` gets the route fix as manual, and nothing
    /// is sent to Caddy; with `apply: []` the whole run is read-only, as a dry run.
    @Test(arguments: ["[docker.start]", "[]"])
    func aPermissionTheOperatorConfigDoesNotListIsManualAndChangesNothing(hostAllows: String) async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let repo = try await applyRepository(
            productionManifest(caddy, media: caddy.scratch.file("media2")) + "apply: { caddy: true, verify: [] }\n")
        let state = try TemporaryDirectory(prefix: "reconcile-apply-state")
        try state.write("config.yaml", "apply: \(hostAllows)\n")
        let before = try await liveConfig(caddy)
        let applied = try await reconcileRun(repo: repo.path, state: state.path, extra: ["--config", state.file("config.yaml")])
        let refusal = "the operator config \(state.file("config.yaml")) does not list caddy under apply:; its actions are planned as manual"
        #expect(applied.status == 2, "\(applied.stdout)\(applied.stderr)")
        #expect(applied.actions.map { $0["status"] as? String } == ["skipped"], "\(applied.actions)")
        #expect(applied.actions.first?["detail"] as? String == refusal, "\(applied.actions)")
        #expect(
            applied.findings.contains { ($0["plan"] as? String)?.hasSuffix("is not allowed: \(refusal)") == true }, "\(applied.findings)")
        #expect(try await liveConfig(caddy) == before)
        let readOnly = "note: the operator config \(state.file("config.yaml")) lists nothing under apply:, so nothing is changed"
        #expect(applied.stderr.contains(readOnly) == (hostAllows == "[]"), "\(applied.stderr)")
        #expect(applied.report["mode"] as? String == (hostAllows == "[]" ? "dry-run" : "apply"))

        // validate says so at the manifest's apply: section, as an error, before any run.
        let validate = try await offPool {
            try run(TestPaths.reconcileBinary, ["validate", "--repo", repo.path, "--config", state.file("config.yaml")])
        }
        #expect(validate.status == 1, "\(validate.stdout)")
        #expect(validate.stdout.contains("apply.caddy: lets an apply use caddy: not allowed: \(refusal)"), "\(validate.stdout)")
    }

    /// The undo's `POST /load` is sent once more when its connection is reset before an
    /// answer (Caddy swaps its admin server after each change an apply made); it used to
    /// give up at once, leaving the config half applied. Against the fixture server,
    /// which resets the first request it gets.
    @Test func anUndoWhoseConnectionIsResetIsSentAgain() async throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-undo")
        try scratch.write("loaded.json", "{}")
        let admin = try await offPool { try FixtureHTTPServer(serving: ["/load": scratch.file("loaded.json")], resettingFirst: 1) }
        let config = Data(#"{"apps":{}}"#.utf8)
        try await CaddyChecker.load(config, try HTTPEndpoint(parsing: admin.baseURL), ApplyContext(source: StubSource()))
        #expect(admin.receivedRequests().map { "\($0.method) \($0.path)" } == ["POST /load", "POST /load"])
    }
}
