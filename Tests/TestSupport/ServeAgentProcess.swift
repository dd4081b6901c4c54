import Foundation

/// `reconcile serve` started by a test on a free loopback port, talked to with the curl
/// CLI, and stopped by its pid (SIGTERM, as systemd would).
public final class ServeAgentProcess: Sendable {
    public let port: Int
    public let process: ManagedProcess

    /// `arguments` are the run's flags (repo, vars, state dir …); `--listen` is added.
    public init(_ arguments: [String], environment: [String: String?] = [:]) throws {
        port = try freeLoopbackPort()
        process = try ManagedProcess(
            TestPaths.reconcileBinary, ["serve", "--listen", "127.0.0.1:\(port)"] + arguments, environment: environment)
        try process.waitUntilReady("reconcile serve on port \(port)") { isListening(port: port) }
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// (status, body) of one request.
    public func request(_ path: String, method: String = "GET", headers: [String] = []) throws -> (status: Int, body: String) {
        let result = try run(
            "curl",
            ["-sS", "-X", method, "-o", "-", "-w", "\n%{http_code}", "--max-time", "60"] + headers.flatMap { ["-H", $0] }
                + [baseURL + path])
        guard result.status == 0, let split = result.stdout.lastIndex(of: "\n") else {
            throw TestSupportError("curl \(path) failed: \(result.stderr)")
        }
        return (Int(result.stdout[result.stdout.index(after: split)...]) ?? 0, String(result.stdout[..<split]))
    }

    /// (status, headers with lowercased names) of one request: a HEAD (`curl --head`, which
    /// reads no body), or `method`, whose body is discarded.
    public func head(_ path: String, method: String = "HEAD") throws -> (status: Int, headers: [String: String]) {
        let arguments = method == "HEAD" ? ["--head"] : ["-X", method, "-o", "/dev/null", "-D", "-"]
        let result = try run("curl", ["-sS", "--max-time", "60"] + arguments + [baseURL + path])
        guard result.status == 0 else { throw TestSupportError("curl \(method) \(path) failed: \(result.stderr)") }
        let lines = result.stdout.components(separatedBy: "\r\n")
        let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers)
    }

    /// Waits until `path` answers with `status`.
    public func waitFor(_ path: String, status: Int, timeout: Duration = .seconds(30)) throws {
        try waitUntil(timeout: timeout, "\(path) answering \(status)") { (try? request(path).status) == status }
    }

    /// Sends SIGTERM and waits for the exit status.
    public func terminate() -> Int32 {
        process.process.signal(SIGTERM)
        return process.process.waitBlocking()
    }

    deinit { process.stop() }
}
