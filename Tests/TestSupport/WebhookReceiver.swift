import Foundation

/// The real webhook receiver of Tests/Fixtures/servers/webhook_receiver.py on a free
/// loopback port: records every POST, answers with a status the test can change.
public final class WebhookReceiver: @unchecked Sendable {
    public let port: Int
    private let scratch: TemporaryDirectory
    private let process: ManagedProcess

    public init() throws {
        scratch = try TemporaryDirectory(prefix: "reconcile-webhook")
        port = try freeLoopbackPort()
        process = try ManagedProcess(
            TestPaths.python,
            [
                TestPaths.fixture("servers/webhook_receiver.py"), "--port", String(port), "--log", scratch.file("posts.jsonl"),
                "--status-file", scratch.file("status"),
            ])
        let process = self.process
        let port = self.port
        try waitUntil("webhook receiver on port \(port)") { isListening(port: port) || !process.process.isRunning }
        guard process.process.isRunning else { throw TestSupportError("webhook receiver exited: \(process.output)") }
    }

    /// `http://127.0.0.1:PORT/PATH`.
    public func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Answer every request with `status` from now on.
    public func answer(_ status: Int) throws {
        try String(status).write(toFile: scratch.file("status"), atomically: true, encoding: .utf8)
    }

    /// The POSTs received so far: (path, body).
    public func posts() -> [(path: String, body: String)] {
        guard let text = try? String(contentsOfFile: scratch.file("posts.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let path = object["path"] as? String, let body = object["body"] as? String
            else { return nil }
            return (path, body)
        }
    }

    public func stop() { process.stop() }

    deinit { process.stop() }
}
