import Foundation

/// The real webhook receiver of Tests/Fixtures/servers/webhook_receiver.py on a loopback
/// port: records every POST, answers with a status the test can change (or never answers).
public final class WebhookReceiver: Sendable {
    public let port: Int
    private let scratch: TemporaryDirectory
    private let process: ManagedProcess

    /// Starts the receiver and waits until it accepts connections. It binds a port the
    /// kernel chooses and names it in a file only after listen(), so no other process can
    /// take the port in between.
    public init() throws {
        scratch = try TemporaryDirectory(prefix: "reconcile-webhook")
        let ready = scratch.file("port")
        process = try ManagedProcess(
            TestPaths.python,
            [
                TestPaths.fixture("servers/webhook_receiver.py"), "--ready-file", ready, "--log", scratch.file("posts.jsonl"),
                "--status-file", scratch.file("status"),
            ])
        try process.waitUntilReady("the webhook receiver") { FileManager.default.fileExists(atPath: ready) }
        guard let text = try? String(contentsOfFile: ready, encoding: .utf8), let chosen = Int(text) else {
            throw TestSupportError("the webhook receiver named no port: \(process.output)")
        }
        port = chosen
    }

    /// `http://127.0.0.1:PORT/PATH`.
    public func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Answer every request with `status` from now on.
    public func answer(_ status: Int) throws {
        try String(status).write(toFile: scratch.file("status"), atomically: true, encoding: .utf8)
    }

    /// Read every request from now on and never answer it (a webhook that is up but
    /// stuck); such requests are not recorded by `posts()`.
    public func hang() throws {
        try "hang".write(toFile: scratch.file("status"), atomically: true, encoding: .utf8)
    }

    /// The POSTs received so far: (path, body).
    public func posts() -> [(path: String, body: String)] {
        jsonLines(scratch.file("posts.jsonl")).compactMap { object in
            guard let path = object["path"] as? String, let body = object["body"] as? String else { return nil }
            return (path, body)
        }
    }

    public func stop() { process.stop() }

    deinit { process.stop() }
}
