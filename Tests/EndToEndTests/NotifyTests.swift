import Foundation
import TestSupport
import Testing

/// `notify:` on the built binary against a real webhook receiver, over a sequence of runs
/// sharing one state directory: one message per transition, nothing for a drift that
/// persists, failed deliveries kept and sent on the next run, the exit code untouched,
/// and the webhook URL (a credential) never printed or stored.
@Suite struct NotifyTests {
    static let secretPath = "/hooks/T0-SECRET-5f1e9a"

    /// A health check whose answer the test picks per run (`--var code=…`), and two
    /// targets: every change as JSON, and only resolutions as Slack text.
    static let manifest = """
        apiVersion: reconcile/v1
        kind: Environment
        name: notify-e2e
        vars:
          base: http://127.0.0.1:1
          code: "200"
          hookfile: /nonexistent/hook-url
        health:
          - name: api
            url: ${base}/status/${code}
            expect: { status: 200 }
        notify:
          - name: ops-json
            url_env: RECONCILE_TEST_WEBHOOK
          - name: chat
            url_file: ${hookfile}
            format: slack
            on: [resolved]
        """

    struct Setup {
        let repo: ScratchRepository
        let server: FixtureHTTPServer
        let receiver: WebhookReceiver
        let state: TemporaryDirectory

        /// A dry run where the API answers `code`, of `remote` (else the repository's
        /// path), with the webhook URL variable set unless `webhook` is false, and the
        /// operator config `config` (else one allowing the scratch directory's files).
        func run(
            _ code: Int, remote: String? = nil, _ extra: [String] = [], webhook: Bool = true, config: String? = nil
        ) async throws -> CommandResult {
            try await reconcile(
                [
                    "--dry-run", "--repo", remote ?? repo.path, "--var", "base=\(server.baseURL)", "--var", "code=\(code)",
                    "--var", "hookfile=\(state.file("hook-url"))", "--state-dir", state.file("state"),
                    "--config", config ?? state.file("config.yaml"),
                ] + extra,
                environment: ["RECONCILE_TEST_WEBHOOK": webhook ? receiver.url(NotifyTests.secretPath + "/json") : nil])
        }

        /// Everything reconcile wrote or printed must not contain the webhook URL.
        func assertURLNeverLeaked(_ results: [CommandResult]) throws {
            for result in results { #expect(!result.allOutput.contains(NotifyTests.secretPath)) }
            for file in try FileManager.default.contentsOfDirectory(atPath: state.file("state")) {
                let text = try String(contentsOfFile: state.file("state/\(file)"), encoding: .utf8)
                #expect(!text.contains(NotifyTests.secretPath), "\(file)")
            }
        }
    }

    static func setUp() async throws -> Setup {
        try await offPool {
            let repo = try ScratchRepository(files: ["manifests/prod.yaml": manifest])
            let receiver = try WebhookReceiver()
            let state = try TemporaryDirectory(prefix: "reconcile-notify")
            try state.write("hook-url", receiver.url(secretPath + "/slack") + "\n")
            // The operator lets webhook URLs (like tokens) be read from this directory.
            try state.write("config.yaml", "token_dirs: [\(state.path)]\n")
            return Setup(repo: repo, server: try FixtureHTTPServer(), receiver: receiver, state: state)
        }
    }

    @Test func exactlyOneMessagePerTransitionOverASequenceOfRuns() async throws {
        let setup = try await Self.setUp()
        var results: [CommandResult] = []
        var seen: [[String]] = []
        for code in [200, 502, 502, 200, 200] {
            let before = setup.receiver.posts().count
            let result = try await setup.run(code)
            #expect(result.status == (code == 200 ? 0 : 2), "\(result.allOutput)")
            #expect(result.stderr == "")
            results.append(result)
            // Targets are served concurrently: within one run, either may be first.
            seen.append(setup.receiver.posts().dropFirst(before).map(\.path).sorted())
        }
        let json = Self.secretPath + "/json"
        let slack = Self.secretPath + "/slack"
        #expect(seen == [[], [json], [], [json, slack], []])

        let posts = setup.receiver.posts()
        let jsonPosts = posts.filter { $0.path == json }
        try #require(jsonPosts.count == 2)
        let drift = try #require(try JSONSerialization.jsonObject(with: Data(jsonPosts[0].body.utf8)) as? [String: Any])
        #expect(drift["event"] as? String == "drift")
        #expect(drift["resource"] as? String == "api")
        #expect((drift["observed"] as? String)?.hasPrefix("status 502") == true)
        let resolved = try #require(try JSONSerialization.jsonObject(with: Data(jsonPosts[1].body.utf8)) as? [String: Any])
        #expect(resolved["event"] as? String == "resolved")
        #expect(resolved["previous"] as? String == "drift")
        let slackPost = try #require(posts.first { $0.path == slack })
        let text = try #require((try JSONSerialization.jsonObject(with: Data(slackPost.body.utf8)) as? [String: Any])?["text"] as? String)
        #expect(text.contains(": resolved* · health `api`"))
        try setup.assertURLNeverLeaked(results)
    }

    /// A state directory that cannot be written: a run cannot know what the runs before it
    /// sent, so it sends nothing rather than the same drift on every run, says so on every
    /// run (no warning about undelivered messages when none were), and keeps its exit code.
    @Test func anUnwritableStateDirectorySendsNothingAndSaysWhyOnEveryRun() async throws {
        let setup = try await Self.setUp()
        // A file where the state directory should be: even root cannot create it.
        try setup.state.write("state", "not a directory\n")
        var results: [CommandResult] = []
        for _ in 0..<3 {
            let result = try await setup.run(502)
            #expect(result.status == 2, "\(result.allOutput)")
            #expect(
                result.stderr.contains(
                    "warning: notifications not sent: the state directory \(setup.state.file("state")) cannot be written"),
                "\(result.stderr)")
            #expect(!result.stderr.contains("undelivered"), "\(result.stderr)")
            results.append(result)
        }
        #expect(setup.receiver.posts().isEmpty, "\(setup.receiver.posts())")
        for result in results { #expect(!result.allOutput.contains(Self.secretPath)) }
    }

    /// A remote that cannot be fetched while a cached clone exists: the run checks the
    /// cached commit (exit 3, `source.stale`), and that is told once, when it starts.
    @Test func aStaleSourceIsToldOnceWhenTheRemoteCannotBeFetched() async throws {
        let setup = try await Self.setUp()
        let cache = try TemporaryDirectory(prefix: "reconcile-notify-cache")
        let remote = setup.repo.path + "-moved"
        func run() async throws -> CommandResult {
            try await setup.run(200, remote: "file://\(setup.repo.path)", ["--cache-dir", cache.path, "--deadline", "20"])
        }
        let fresh = try await run()
        #expect(fresh.status == 0, "\(fresh.allOutput)")
        let head = try setup.repo.git("rev-parse", "HEAD")
        try FileManager.default.moveItem(atPath: setup.repo.path, toPath: remote)
        defer { try? FileManager.default.moveItem(atPath: remote, toPath: setup.repo.path) }
        let stale = try await run()
        #expect(stale.status == 3, "\(stale.allOutput)")
        let stillStale = try await run()
        #expect(stillStale.status == 3)

        let posts = setup.receiver.posts()
        #expect(posts.map(\.path) == [Self.secretPath + "/json"], "one message, to the target that wants stale")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(posts[0].body.utf8)) as? [String: Any])
        #expect(body["event"] as? String == "stale")
        let source = try #require(body["source"] as? [String: Any])
        #expect(source["stale"] as? Bool == true)
        #expect(source["commit"] as? String == head)
        #expect((body["message"] as? String)?.contains("could not be fetched: checked cached commit") == true, "\(body)")
        try setup.assertURLNeverLeaked([fresh, stale, stillStale])
    }

    @Test func aFailedDeliveryIsRetriedNextRunAndNeverChangesTheExitCode() async throws {
        let setup = try await Self.setUp()
        try setup.receiver.answer(500)
        let failing = try await setup.run(502)
        #expect(failing.status == 2, "\(failing.allOutput)")
        #expect(
            failing.stderr.contains(
                "warning: notify 'ops-json': the drift message for health api was not delivered after 4 attempts (HTTP 500); kept for the next run"
            ))
        #expect(setup.receiver.posts().count == 4)

        try setup.receiver.answer(200)
        let retried = try await setup.run(502)
        #expect(retried.status == 2)
        #expect(retried.stderr == "")
        let posts = setup.receiver.posts()
        #expect(posts.count == 5)
        #expect(posts.last?.body.contains("\"event\":\"drift\"") == true)

        let quiet = try await setup.run(502)
        #expect(setup.receiver.posts().count == 5, "the same drift again sends nothing")
        try setup.assertURLNeverLeaked([failing, retried, quiet])
    }

    @Test func aMissingURLVariableIsAWarningNamingTheVariableOnly() async throws {
        let setup = try await Self.setUp()
        let result = try await setup.run(502, webhook: false)
        #expect(result.status == 2)
        #expect(
            result.stderr.contains(
                "warning: notify 'ops-json': the environment variable RECONCILE_TEST_WEBHOOK is not set; the drift message for health api is kept for the next run"
            ))
    }

    /// A webhook URL is a credential, and a manifest chooses where it is read from: only
    /// where the operator config lets a token come from (token_env:, token_dirs:), as a
    /// bearer token. Without a config allowing the state directory, `url_file` there is
    /// refused by validate at its line, and a run neither reads nor posts to it.
    @Test func aWebhookURLFileTheOperatorConfigDoesNotAllowIsNeitherReadNorPosted() async throws {
        let setup = try await Self.setUp()
        let empty = try setup.state.write("no-config.yaml", "{}\n")
        let validate = try await reconcile(["validate", "--repo", setup.repo.path, "--config", empty])
        #expect(validate.status == 1, "\(validate.allOutput)")
        #expect(
            validate.stdout.contains("notify[1].url_file: reads /nonexistent/hook-url and posts notifications to it: not allowed: "),
            "\(validate.stdout)")
        #expect(validate.stdout.contains("notify[0].url_env: note: reads the environment variable RECONCILE_TEST_WEBHOOK"))
        var results: [CommandResult] = []
        for code in [502, 200] {
            let result = try await setup.run(code, config: empty)
            #expect(result.stderr.contains("warning: notify 'chat' (manifests/prod.yaml): nothing is sent: "), "\(result.stderr)")
            #expect(result.stderr.contains("is not inside a directory listed under token_dirs:"), "\(result.stderr)")
            results.append(result)
        }
        #expect(setup.receiver.posts().map(\.path) == [Self.secretPath + "/json", Self.secretPath + "/json"])
        try setup.assertURLNeverLeaked(results)
    }
}
