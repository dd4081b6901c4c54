import Foundation

/// The real HTTP server of Tests/Fixtures/servers/http_fixture_server.py, started on a
/// free loopback port (or a unix socket) for one test and stopped by pid afterwards.
public final class FixtureHTTPServer: Sendable {
    public let port: Int?
    public let socketPath: String?
    public let requestLogPath: String
    private let process: ManagedProcess
    private let scratch: TemporaryDirectory

    /// - Parameters:
    ///   - unixSocket: listen on a socket in a temp dir instead of a TCP port.
    ///   - token: the bearer token `/api/health/auth/` accepts.
    ///   - delayMilliseconds: a delay before every answer.
    ///   - serving: request path → file whose bytes answer it (200), e.g. a fake Caddy
    ///     admin's `/config/`.
    ///   - resettingFirst: how many requests, the first ones, get their connection reset
    ///     instead of an answer.
    public init(
        unixSocket: Bool = false, token: String? = nil, delayMilliseconds: Int = 0, serving: [String: String] = [:],
        resettingFirst: Int = 0
    ) throws {
        scratch = try TemporaryDirectory(prefix: "reconcile-http")
        requestLogPath = scratch.file("requests.jsonl")
        var arguments = [
            TestPaths.fixture("servers/http_fixture_server.py"), "--log", requestLogPath, "--gate-dir", scratch.path,
        ]
        let listening: () -> Bool
        var held: [ReservedPort] = []
        if unixSocket {
            let path = scratch.file("http.sock")
            (socketPath, port) = (path, nil)
            arguments += ["--unix", path]
            listening = { isListening(unixSocket: path) }
        } else {
            let reserved = try ReservedPort(forAServer: true)
            (socketPath, port, held) = (nil, reserved.port, [reserved])
            arguments += ["--port", String(reserved.port)]
            listening = { isListening(port: reserved.port) }
        }
        if delayMilliseconds > 0 { arguments += ["--delay-ms", String(delayMilliseconds)] }
        if resettingFirst > 0 { arguments += ["--reset-first", String(resettingFirst)] }
        for (path, file) in serving.sorted(by: { $0.key < $1.key }) { arguments += ["--serve", "\(path)=\(file)"] }
        var environment: [String: String?] = [:]
        if let token { environment["FIXTURE_TOKEN"] = token }
        process = try ManagedProcess(TestPaths.python, arguments, environment: environment, holding: held)
        try process.waitUntilReady("the fixture server", listening)
    }

    /// `http://127.0.0.1:PORT` (for a unix-socket server: `http://localhost`).
    public var baseURL: String {
        if let port { return "http://127.0.0.1:\(port)" }
        return "http://localhost"
    }

    /// The requests that reached the server so far, as (method, path).
    public func receivedRequests() -> [(method: String, path: String)] {
        jsonLines(requestLogPath).compactMap { object in
            guard let method = object["method"] as? String, let path = object["path"] as? String else { return nil }
            return (method, path)
        }
    }

    /// The most requests the server was handling at once: proof of concurrency that
    /// does not depend on how fast the machine is.
    public func maxConcurrentRequests() -> Int {
        jsonLines(requestLogPath).compactMap { $0["in_flight"] as? Int }.max() ?? 0
    }

    /// Lets the requests waiting at `/gate/NAME` (and every later one) answer: a test
    /// holds a request in flight for as long as it needs, instead of guessing a delay.
    public func openGate(_ name: String) throws {
        try Data().write(to: URL(fileURLWithPath: scratch.file(name)))
    }

    public func stop() { process.stop() }

    deinit { process.stop() }
}
