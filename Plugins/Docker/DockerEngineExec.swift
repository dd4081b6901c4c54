import Foundation
import ReconcileKit

/// What a command run with `docker exec` left: both streams and its exit code (nil when
/// the engine would not say).
public struct ExecResult: Sendable, Hashable {
    public var stdout: Data
    public var stderr: Data
    public var exitCode: Int32?
}

/// `docker exec`: run one command in a running container and collect its output and exit
/// code, with the three calls a dry run allows besides GETs
/// (`RequestPolicy.readOnlyWithDockerExec`):
///
/// - `POST /containers/{name}/exec` creates the exec (404: no such container, 409, or
///   Podman's 500 "state improper": not running);
/// - `POST /exec/{id}/start` with `Detach: false, Tty: false` answers with the
///   multiplexed stream (8-byte frame headers: stream 1 = stdout, 2 = stderr, then a
///   big-endian length) until the command ends;
/// - `GET /exec/{id}/json` gives the exit code.
///
/// The environment is exactly what the caller passes (added to the container's own);
/// the caller filters a manifest's `env` first (`ChildEnvironment`).
extension DockerEngineClient {
    /// Runs `command` in `container` at the negotiated API `version`.
    public func exec(
        _ command: [String], in container: String, environment: [String], workdir: String?, version: String
    ) async throws(EngineProblem) -> ExecResult {
        let id = try await createExec(command, in: container, environment: environment, workdir: workdir, version: version)
        var start = endpoint.request("/v\(version)/exec/\(Self.pathComponent(id))/start", method: "POST")
        start.headers = [HTTPHeader("Content-Type", "application/json")]
        start.body = Self.json(EngineJSON.ExecStart(Detach: false, Tty: false))
        start.maxBodyBytes = 32 << 20
        let response = try await send(start, path: "/exec/{id}/start")
        guard response.status == 200 || response.status == 101 else {
            throw EngineProblem(
                kind: .other, message: "POST /exec/{id}/start answered \(response.status): \(Self.engineMessage(response))",
                hint: "check the engine's log")
        }
        let (stdout, stderr) = Self.demultiplex(response.body)
        return ExecResult(stdout: stdout, stderr: stderr, exitCode: try await exitCode(id, version: version))
    }

    func createExec(
        _ command: [String], in container: String, environment: [String], workdir: String?, version: String
    ) async throws(EngineProblem) -> String {
        var request = endpoint.request("/v\(version)/containers/\(Self.pathComponent(container))/exec", method: "POST")
        request.headers = [HTTPHeader("Content-Type", "application/json")]
        request.body = Self.json(
            EngineJSON.ExecCreate(
                AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, Cmd: command, Env: environment,
                WorkingDir: workdir))
        let response = try await send(request, path: "/containers/\(container)/exec")
        let message = Self.engineMessage(response)
        switch response.status {
        case 200, 201:
            guard let created = try? JSONDecoder().decode(EngineJSON.IdResponse.self, from: response.body),
                !created.Id.isEmpty
            else {
                throw EngineProblem(
                    kind: .notDocker, message: "the engine created an exec but sent no id: \(response.bodyText.prefix(200))",
                    hint: "make sure the endpoint is a Docker Engine API (Docker or Podman's service)")
            }
            return created.Id
        case 404:
            throw EngineProblem(
                kind: .containerMissing, message: "no container named \(container): \(message)",
                hint: "start the app's container, or correct the container's name (docker ps -a lists them)")
        case 409, 500:
            // 500 "state improper" is Podman's answer for a container that is not running.
            guard response.status == 409 || message.contains("state improper") else { fallthrough }
            throw EngineProblem(
                kind: .containerNotRunning, message: "container \(container) is not running: \(message)",
                hint: "start the container (docker start \(container)); a command can only run in it while it runs")
        default:
            throw EngineProblem(
                kind: .other, message: "POST /containers/\(container)/exec answered \(response.status): \(message)",
                hint: "check the engine's log")
        }
    }

    /// The exit code; the engine may still report the exec as running for a moment
    /// after the stream ended, so it is asked a few times.
    func exitCode(_ id: String, version: String) async throws(EngineProblem) -> Int32? {
        for attempt in 0..<20 {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(25)) }
            let response = try await get("/v\(version)/exec/\(Self.pathComponent(id))/json")
            guard response.status == 200,
                let inspect = try? JSONDecoder().decode(EngineJSON.ExecInspect.self, from: response.body)
            else { return nil }
            if inspect.Running == true { continue }
            return inspect.ExitCode.map { Int32(clamping: $0) }
        }
        return nil
    }

    /// Splits Docker's multiplexed stream into stdout and stderr. A stream that does not
    /// start with a frame header is a TTY's raw stream: all stdout. A frame cut short
    /// (the connection ended) keeps what arrived.
    public static func demultiplex(_ stream: Data) -> (stdout: Data, stderr: Data) {
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
        (try? JSONDecoder().decode(EngineJSON.ErrorBody.self, from: response.body))?.message
            ?? String(response.bodyText.prefix(200))
    }

    static func json<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}
