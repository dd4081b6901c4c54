import DockerChecker
import Foundation
import ReconcileKit

/// The few Docker Engine API calls the container runner needs, and nothing more: run
/// one command in a running container and collect its output and exit code.
///
/// It shares the Docker plugin's rules (endpoint precedence, `APIVersion`) but not its
/// client, which makes GETs only: the three exec calls here are exactly the requests a
/// dry run allows besides GETs (`RequestPolicy.readOnlyWithDockerExec`).
///
/// - `POST /containers/{name}/exec` creates the exec (404: no such container, 409:
///   not running);
/// - `POST /exec/{id}/start` with `Detach: false, Tty: false` answers with the
///   multiplexed stream (8-byte frame headers: stream 1 = stdout, 2 = stderr, then a
///   big-endian length) until the command ends;
/// - `GET /exec/{id}/json` gives the exit code.
struct DockerExec {
    /// The newest API version whose exec calls this was checked against; older engines
    /// are spoken to at their own version (the calls are unchanged since 1.24).
    static let newestVersion = APIVersion(1, 47)

    let endpoint: HTTPEndpoint
    let http: HTTPClient

    /// Runs `command` in `container` and returns its output; every failure is a
    /// `RunFailure` with what the engine said.
    func run(
        container: String, command: [String], environment: [String], workdir: String?, timeout: Duration
    ) async -> Result<RawRun, RunFailure> {
        do throws(RunFailure) {
            if let problem = socketProblem() { throw problem }
            let prefix = try await versionPrefix(timeout: timeout)
            let id = try await create(
                container: container, command: command, environment: environment, workdir: workdir, prefix: prefix,
                timeout: timeout)
            let stream = try await start(id, prefix: prefix, timeout: timeout)
            let (stdout, stderr) = Self.demultiplex(stream)
            let status = try await exitCode(id, prefix: prefix, timeout: timeout)
            return .success(RawRun(stdout: stdout, stderr: stderr, status: status))
        } catch {
            return .failure(error)
        }
    }

    // MARK: Calls

    /// `/v1.xx`: the engine's own version when older than `newestVersion`, never below
    /// its minimum (Docker 29 rejects versions below 1.44).
    func versionPrefix(timeout: Duration) async throws(RunFailure) -> String {
        let response = try await send(endpoint.request("/version"), timeout: timeout, what: "GET /version")
        guard response.status == 200,
            let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
            let prefix = Self.versionPrefix(api: object["ApiVersion"] as? String, minimum: object["MinAPIVersion"] as? String)
        else {
            throw RunFailure(
                .engineUnavailable, "\(endpoint) answered GET /version with \(response.status), not a Docker Engine API",
                hint: "point runner.container.endpoint (or DOCKER_HOST) at the Docker or Podman API socket")
        }
        return prefix
    }

    /// The path prefix for an engine's `ApiVersion` and `MinAPIVersion`: the engine's
    /// own version up to `newestVersion`, never below its minimum. nil when the engine
    /// names no version.
    static func versionPrefix(api apiText: String?, minimum minimumText: String?) -> String? {
        guard let api = apiText.flatMap(APIVersion.init) else { return nil }
        let capped = min(api, newestVersion)
        let chosen = minimumText.flatMap(APIVersion.init).map { max(capped, $0) } ?? capped
        return "/v\(chosen)"
    }

    func create(
        container: String, command: [String], environment: [String], workdir: String?, prefix: String,
        timeout: Duration
    ) async throws(RunFailure) -> String {
        var body: [String: Any] = [
            "AttachStdin": false, "AttachStdout": true, "AttachStderr": true, "Tty": false, "Cmd": command,
            "Env": environment,
        ]
        if let workdir { body["WorkingDir"] = workdir }
        var request = endpoint.request("\(prefix)/containers/\(Self.pathComponent(container))/exec", method: "POST")
        request.headers = [HTTPHeader("Content-Type", "application/json")]
        request.body = try? JSONSerialization.data(withJSONObject: body)
        let response = try await send(request, timeout: timeout, what: "POST /containers/\(container)/exec")
        switch response.status {
        case 201, 200:
            guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
                let id = object["Id"] as? String, !id.isEmpty
            else {
                throw RunFailure(.engineUnavailable, "the engine created an exec but sent no id: \(response.bodyText.prefix(200))")
            }
            return id
        case 404:
            throw RunFailure(
                .containerMissing, "no container named \(container): \(Self.engineMessage(response))")
        case 409:
            throw RunFailure(
                .containerNotRunning, "container \(container) is not running: \(Self.engineMessage(response))")
        case 500 where Self.engineMessage(response).contains("state improper"):
            // Podman's answer for a container that is not running.
            throw RunFailure(
                .containerNotRunning, "container \(container) is not running: \(Self.engineMessage(response))")
        default:
            throw RunFailure(
                .engineUnavailable,
                "POST /containers/\(container)/exec answered \(response.status): \(Self.engineMessage(response))")
        }
    }

    func start(_ id: String, prefix: String, timeout: Duration) async throws(RunFailure) -> Data {
        var request = endpoint.request("\(prefix)/exec/\(Self.pathComponent(id))/start", method: "POST")
        request.headers = [HTTPHeader("Content-Type", "application/json")]
        request.body = Data(#"{"Detach":false,"Tty":false}"#.utf8)
        request.maxBodyBytes = 32 << 20
        let response = try await send(request, timeout: timeout, what: "POST /exec/{id}/start")
        guard response.status == 200 || response.status == 101 else {
            throw RunFailure(
                .engineUnavailable, "POST /exec/{id}/start answered \(response.status): \(Self.engineMessage(response))")
        }
        return response.body
    }

    /// The exit code; the engine may still report the exec as running for a moment
    /// after the stream ended, so it is asked a few times.
    func exitCode(_ id: String, prefix: String, timeout: Duration) async throws(RunFailure) -> Int32? {
        for attempt in 0..<20 {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(25)) }
            let response = try await send(
                endpoint.request("\(prefix)/exec/\(Self.pathComponent(id))/json"), timeout: timeout,
                what: "GET /exec/{id}/json")
            guard response.status == 200,
                let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
            else { return nil }
            if object["Running"] as? Bool == true { continue }
            return (object["ExitCode"] as? Int).map { Int32(clamping: $0) }
        }
        return nil
    }

    func send(_ request: HTTPRequest, timeout: Duration, what: String) async throws(RunFailure) -> HTTPResponse {
        var request = request
        request.timeout = timeout
        request.connectTimeout = .seconds(5)
        do {
            return try await http.send(request)
        } catch {
            throw classify(error, what: what, timeout: timeout)
        }
    }

    // MARK: Pure helpers

    /// Splits Docker's multiplexed stream into stdout and stderr. A stream that does not
    /// start with a frame header is a TTY's raw stream: all stdout. A frame cut short
    /// (the connection ended) keeps what arrived.
    static func demultiplex(_ stream: Data) -> (stdout: Data, stderr: Data) {
        let bytes = [UInt8](stream)
        guard bytes.count >= 8, bytes[0] <= 2, bytes[1] == 0, bytes[2] == 0, bytes[3] == 0 else {
            return (stream, Data())
        }
        var stdout = Data()
        var stderr = Data()
        var offset = 0
        while offset + 8 <= bytes.count {
            let kind = bytes[offset]
            let length = bytes[(offset + 4)..<(offset + 8)].reduce(0) { $0 << 8 | Int($1) }
            let start = offset + 8
            let end = min(start + length, bytes.count)
            if kind == 2 { stderr.append(contentsOf: bytes[start..<end]) } else { stdout.append(contentsOf: bytes[start..<end]) }
            offset = start + length
        }
        return (stdout, stderr)
    }

    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._"))) ?? text
    }

    /// The engine's `{"message": …}`, or the start of the body.
    static func engineMessage(_ response: HTTPResponse) -> String {
        if let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
            let message = object["message"] as? String
        {
            return message
        }
        return String(response.bodyText.prefix(200))
    }

    func socketProblem() -> RunFailure? {
        guard let path = endpoint.unixSocketPath else { return nil }
        guard FileManager.default.fileExists(atPath: path) else {
            return RunFailure(
                .engineUnavailable, "no Docker socket at \(path)",
                hint: "start the engine (systemctl start docker, or podman system service), or point "
                    + "runner.container.endpoint (or DOCKER_HOST) at the socket it uses")
        }
        return nil
    }

    func classify(_ error: HTTPError, what: String, timeout: Duration) -> RunFailure {
        let lowered = error.message.lowercased()
        if error.kind == .refusedByPolicy {
            return RunFailure(
                .refusedByPolicy, error.message,
                hint: "this run's request policy does not allow docker exec; a dry run allows only the exec "
                    + "calls of the introspection (RequestPolicy.readOnlyWithDockerExec)")
        }
        if error.kind == .timeout {
            return RunFailure(.timedOut, "\(what) got no complete answer within \(timeout.secondsText)")
        }
        if lowered.contains("permission denied") {
            return RunFailure(
                .engineUnavailable, "permission denied on \(endpoint)",
                hint: "run reconcile as a user in the socket's group (usually docker), or as root")
        }
        return RunFailure(
            .engineUnavailable, "\(what) to \(endpoint) failed: \(error.message)",
            hint: "check that the Docker (or Podman) API service is running and reachable at \(endpoint)")
    }
}
