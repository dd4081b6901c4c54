import Foundation
import TestSupport
import Testing

/// Notifications within the run's `--deadline`: a webhook that takes the POST and never
/// answers used to cost every queued message its four 5 s attempts one after another
/// (three messages: over 70 s), growing with every run as undelivered messages piled up.
/// Now a stuck target is given up after its first failed message, the other targets are
/// served beside it, and nothing undelivered is lost or sent twice.
@Suite struct NotifyDeadlineTests {
    /// Three drifting health checks (three drift messages per target) and two targets.
    static let manifest = """
        apiVersion: reconcile/v1
        kind: Environment
        name: notify-deadline
        vars:
          base: http://127.0.0.1:1
          stuckfile: /nonexistent/stuck-url
          workingfile: /nonexistent/working-url
        health:
          - { name: one, url: "${base}/status/502", expect: { status: 200 } }
          - { name: two, url: "${base}/status/502", expect: { status: 200 } }
          - { name: three, url: "${base}/status/502", expect: { status: 200 } }
        notify:
          - name: stuck
            url_file: ${stuckfile}
          - name: working
            url_file: ${workingfile}
        """

    @Test func aWebhookThatNeverAnswersCostsNoMoreThanTheDeadlineAndItsMessagesAreSentOnceLater() async throws {
        let (repo, server, stuck, working, state) = try await offPool {
            let repo = try ScratchRepository(files: ["manifests/prod.yaml": Self.manifest])
            let state = try TemporaryDirectory(prefix: "reconcile-notify-deadline")
            return (repo, try FixtureHTTPServer(), try WebhookReceiver(), try WebhookReceiver(), state)
        }
        try state.write("stuck-url", stuck.url("/stuck") + "\n")
        try state.write("working-url", working.url("/working") + "\n")
        let config = try state.write("config.yaml", "token_dirs: [\(state.path)]\n")
        func run() async throws -> CommandResult {
            try await reconcile([
                "--dry-run", "--repo", repo.path, "--deadline", "5", "--var", "base=\(server.baseURL)",
                "--var", "stuckfile=\(state.file("stuck-url"))", "--var", "workingfile=\(state.file("working-url"))",
                "--state-dir", state.file("state"), "--config", config,
            ])
        }
        try stuck.hang()
        let clock = ContinuousClock()
        let started = clock.now
        let hung = try await run()
        let took = clock.now - started
        // Not a speed measurement: the old behaviour took over 70 s here; the deadline is
        // 5 s and notifications get at most 2 s past it, so 30 s cannot be reached by noise.
        #expect(took < .seconds(30), "took \(took)")
        #expect(hung.status == 2, "notifications never change the exit code: \(hung.allOutput)")
        #expect(hung.stderr.contains("warning: notify 'stuck': the drift message for health one was not delivered after"), "\(hung.stderr)")
        #expect(hung.stderr.contains("warning: notify 'stuck': 2 further messages not tried after that failure; kept for the next run"))
        #expect(stuck.posts().isEmpty)
        #expect(working.posts().map(\.path) == ["/working", "/working", "/working"], "the stuck target did not hold up the other")
        let queued = try String(contentsOfFile: state.file("state/notifications.json"), encoding: .utf8)
        for name in ["one", "two", "three"] { #expect(queued.contains("health \(name)"), "\(queued)") }

        try stuck.answer(200)
        let recovered = try await run()
        #expect(recovered.status == 2)
        #expect(recovered.stderr == "", "\(recovered.stderr)")
        let resources = try stuck.posts().map { post in
            try #require(try JSONSerialization.jsonObject(with: Data(post.body.utf8)) as? [String: Any])["resource"] as? String
        }
        #expect(resources == ["one", "two", "three"], "each queued message delivered exactly once, in order")
        #expect(working.posts().count == 3, "the same drift again sends nothing new")

        _ = try await run()
        #expect(stuck.posts().count == 3, "delivered messages are not sent again")
        #expect(working.posts().count == 3)
    }
}
