import Foundation
import ReconcileKit
import Testing

@testable import DockerChecker

@Suite("docker: endpoint and API version")
struct ClientTests {
    @Test func endpointPrecedenceIsManifestThenDockerHostThenDefault() {
        #expect(
            DockerEngineClient.endpointText(manifest: "tcp://10.0.0.1:2375", environment: ["DOCKER_HOST": "unix:///x.sock"])
                == "tcp://10.0.0.1:2375")
        #expect(
            DockerEngineClient.endpointText(manifest: nil, environment: ["DOCKER_HOST": "unix:///run/user/1000/docker.sock"])
                == "unix:///run/user/1000/docker.sock")
        #expect(DockerEngineClient.endpointText(manifest: nil, environment: ["DOCKER_HOST": "  "]) == "unix:///var/run/docker.sock")
        #expect(DockerEngineClient.endpointText(manifest: nil, environment: [:]) == "unix:///var/run/docker.sock")
    }

    @Test func unixAndTCPEndpointsResolve() throws {
        let unix = try DockerEngineClient.resolveEndpoint("unix:///var/run/docker.sock").get()
        #expect(unix.unixSocketPath == "/var/run/docker.sock")
        #expect(unix.request("/version").url == "http://localhost/version")
        let tcp = try DockerEngineClient.resolveEndpoint("tcp://127.0.0.1:2375").get()
        #expect(tcp.unixSocketPath == nil)
        #expect(tcp.request("/v1.41/containers/json").url == "http://127.0.0.1:2375/v1.41/containers/json")
    }

    @Test func sshDockerHostIsUnsupportedWithAHint() {
        guard case .failure(let problem) = DockerEngineClient.resolveEndpoint("ssh://deploy@host") else {
            Issue.record("ssh:// accepted")
            return
        }
        #expect(problem.kind == .unsupportedEndpoint)
        #expect(problem.hint.contains("unix://"))
    }

    @Test(
        arguments: [
            ("1.41", "1.24", "1.41"), // Podman 4.3
            ("1.52", "1.44", "1.52"), // Docker 29
            ("1.60", "1.44", "1.52"), // a newer Docker: our highest, above its minimum
            ("1.43", "1.12", "1.43"), // an older Docker
            ("1.60", "1.55", nil), // a Docker that dropped every version we speak
            ("1.23", "1.12", nil), // too old for us
        ] as [(String, String, String?)])
    func negotiation(server: String, minimum: String, expected: String?) {
        let chosen = DockerEngineClient.negotiate(serverAPI: APIVersion(server)!, serverMinimum: APIVersion(minimum))
        #expect(chosen?.description == expected)
        if let chosen { #expect(chosen >= APIVersion(minimum)!) }
    }

    @Test func versionsCompareNumerically() {
        #expect(APIVersion("1.9")! < APIVersion("1.41")!)
        #expect(APIVersion("v1.41") == nil)
        #expect(APIVersion("1.41.2") == nil)
    }

    @Test func incompatibleEngineIsAProblemNotAGuess() throws {
        let body = Data(#"{"Version":"40.0.0","ApiVersion":"1.70","MinAPIVersion":"1.60"}"#.utf8)
        let result = DockerEngineClient.engineInfo(
            from: HTTPResponse(status: 200, headers: [], body: body, elapsed: .zero),
            endpoint: try HTTPEndpoint(parsing: "unix:///run/docker.sock"))
        guard case .failure(let problem) = result else {
            Issue.record("negotiated with an engine whose minimum is above our maximum")
            return
        }
        #expect(problem.kind == .incompatibleVersion)
        #expect(problem.hint.contains("upgrade reconcile"))
    }

    @Test(arguments: [
        (404, "404 page not found"),
        (200, "<html>hello</html>"),
        (200, #"{"status":"ok"}"#),
    ])
    func nonDockerAnswersAreNotDocker(status: Int, body: String) throws {
        let result = DockerEngineClient.engineInfo(
            from: HTTPResponse(
                status: status, headers: [HTTPHeader("Server", "nginx")], body: Data(body.utf8), elapsed: .zero),
            endpoint: try HTTPEndpoint(parsing: "tcp://127.0.0.1:8080"))
        guard case .failure(let problem) = result else {
            Issue.record("took a non-Docker answer for an engine")
            return
        }
        #expect(problem.kind == .notDocker)
        #expect(problem.message.contains("HTTP \(status)") && problem.message.contains("Server: nginx"))
    }

    @Test func transportFailuresAreClassifiedWithRepairs() throws {
        let unix = try HTTPEndpoint(parsing: "unix:///var/run/docker.sock")
        let denied = DockerEngineClient.classify(
            HTTPError(kind: .connectionRefused, message: "Could not connect to unix socket: Permission denied", curlCode: 7),
            endpoint: unix)
        #expect(denied.kind == .permissionDenied)
        #expect(denied.hint.contains("docker group") || denied.hint.contains("usermod -aG docker"))
        let refused = DockerEngineClient.classify(
            HTTPError(kind: .connectionRefused, message: "Connection refused", curlCode: 7), endpoint: unix)
        #expect(refused.kind == .connectionRefused)
        #expect(refused.hint.contains("start the engine"))
        let timeout = DockerEngineClient.classify(HTTPError(kind: .timeout, message: "timed out", curlCode: 28), endpoint: unix)
        #expect(timeout.kind == .timeout)
    }

    @Test func missingSocketFileIsSeenBeforeConnecting() throws {
        let problem = DockerEngineClient.socketProblem(try HTTPEndpoint(parsing: "unix:///nonexistent/reconcile/docker.sock"))
        #expect(problem?.kind == .noSocket)
        #expect(problem?.message.contains("/nonexistent/reconcile/docker.sock") == true)
        #expect(problem?.hint.contains("systemctl start docker") == true)
        #expect(DockerEngineClient.socketProblem(try HTTPEndpoint(parsing: "tcp://127.0.0.1:2375")) == nil)
    }
}
