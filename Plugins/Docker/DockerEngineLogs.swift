import Foundation
import ReconcileKit

/// `docker logs`: what a container's main process wrote to stdout and stderr, a GET
/// that any run may send (the Django checker reads it back to prove that a log record
/// really reached the container's log).
extension DockerEngineClient {
    /// `GET /containers/{name}/logs?stdout=1&stderr=1&since=SINCE`: both streams since a
    /// Unix time, demultiplexed.
    public func logs(of container: String, since: Int, version: String) async throws(EngineProblem) -> (
        stdout: Data, stderr: Data
    ) {
        let path = "/containers/\(Self.pathComponent(container))/logs?stdout=1&stderr=1&since=\(since)"
        let response = try await get("/v\(version)\(path)")
        guard response.status == 200 else {
            throw EngineProblem(
                kind: response.status == 404 ? .containerMissing : .other,
                message: "GET /containers/{name}/logs answered \(response.status): \(Self.engineMessage(response))",
                hint: "check the engine's log")
        }
        return Self.demultiplex(response.body)
    }
}
