import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DockerChecker

/// The recording proxy of Tests/Fixtures/docker/recording_proxy.py in front of the
/// shared engine's socket: every request line that leaves the process is logged.
final class RecordingProxy: Sendable {
    let socketPath: String
    let logPath: String
    private let scratch: TemporaryDirectory
    private let process: ManagedProcess

    init(upstream: String) throws {
        scratch = try TemporaryDirectory(prefix: "reconcile-proxy")
        socketPath = scratch.file("proxy.sock")
        logPath = scratch.file("requests.log")
        process = try ManagedProcess(
            TestPaths.python,
            [TestPaths.fixture("docker/recording_proxy.py"), "--listen", socketPath, "--upstream", upstream, "--log", logPath])
        let process = self.process
        let socket = socketPath
        try waitUntil("recording proxy on \(socket)") {
            isListening(unixSocket: socket) || !process.process.isRunning
        }
        guard process.process.isRunning else { throw TestSupportError("proxy exited: \(process.output)") }
    }

    var endpoint: String { "unix://\(socketPath)" }

    /// (method, target) of every request that went through, in order.
    func requests() -> [(method: String, target: String)] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { line in
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    func stop() { process.stop() }

    /// A fresh scene whose engine `body` reaches through a recording proxy; both are
    /// cleaned up afterwards.
    static func scene(_ body: (Scene, RecordingProxy) async throws -> Void) async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let proxy = try RecordingProxy(upstream: scene.engine.socketPath)
        defer { proxy.stop() }
        try await body(scene, proxy)
    }
}

/// Dry-run never mutates anything (DESIGN.md): proved by what reached the engine.
@Suite("docker: read-only in dry-run")
struct ReadOnlyTests {
    @Test func readOnlyPolicyRefusesStartingAContainerBeforeAnythingIsSent() async throws {
        let engine = try PodmanEngine.shared()
        let proxy = try RecordingProxy(upstream: engine.socketPath)
        defer { proxy.stop() }
        let endpoint = try HTTPEndpoint(parsing: proxy.endpoint)
        let client = HTTPClient(policy: .readOnly)
        for (method, path) in [
            ("POST", "/v1.41/containers/x/start"), ("POST", "/containers/x/stop"), ("POST", "/v1.41/containers/create"),
            ("DELETE", "/v1.41/containers/x"), ("POST", "/v1.41/volumes/create"), ("PUT", "/v1.41/containers/x/archive"),
            ("post", "/v1.41/containers/x/start"),
        ] {
            let request = endpoint.request(path, method: method)
            #expect(!RequestPolicy.readOnly.allows(request))
            await #expect(throws: HTTPError.self) { _ = try await client.send(request) }
            do {
                _ = try await client.send(request)
            } catch {
                #expect(error.kind == .refusedByPolicy)
                #expect(error.message.contains("\(method) http://localhost\(path)"))
            }
        }
        // The GET goes through, so the proxy works and the refusals above never left.
        let response = try await client.send(endpoint.request("/_ping"))
        #expect(response.status == 200)
        #expect(proxy.requests().map(\.method) == ["GET"])
    }

    /// Whatever read-only policy the core gives a dry run (it may allow Docker's exec
    /// calls for the Django runner), nothing that changes a container or volume passes.
    @Test func theDryRunContextRefusesEveryContainerAndVolumeChange() throws {
        let policy = dryRunContext().http.policy
        let endpoint = try HTTPEndpoint(parsing: "unix:///var/run/docker.sock")
        for (method, path) in [
            ("POST", "/v1.41/containers/backend/start"), ("POST", "/containers/backend/start"),
            ("POST", "/v1.41/containers/backend/stop"), ("POST", "/v1.41/containers/backend/restart"),
            ("POST", "/v1.41/containers/backend/kill"), ("POST", "/v1.41/containers/backend/pause"),
            ("POST", "/v1.41/containers/backend/unpause"), ("POST", "/v1.41/containers/backend/update"),
            ("POST", "/v1.41/containers/create?name=backend"), ("DELETE", "/v1.41/containers/backend?force=true"),
            ("POST", "/v1.41/volumes/create"), ("DELETE", "/v1.41/volumes/media_data"),
            ("POST", "/v1.41/containers/prune"), ("POST", "/v1.41/images/create?fromImage=rims-backend"),
        ] {
            #expect(!policy.allows(endpoint.request(path, method: method)), "\(policy.name) allows \(method) \(path)")
        }
        for path in ["/version", "/v1.41/containers/json?all=1", "/v1.41/containers/backend/json", "/v1.41/volumes"] {
            #expect(policy.allows(endpoint.request(path)))
        }
    }

    @Test func checkerSendsOnlyGETsEvenWhenAllowedMore() async throws {
        try await RecordingProxy.scene { scene, proxy in
            let db = scene.container("db")
            try scene.engine.create(db)
            let spec = try SpecText.decode(
                "endpoint: \(proxy.endpoint)\ncontainers:\n  - name: \(db)\n    state: running\nvolumes: [nothing]\n")
            for mode in [RunMode.dryRun, .apply] {
                let context = ObservationContext(mode: mode, source: StubSource(), environment: [:])
                let findings = DockerChecker().compare(spec, with: try await DockerChecker().observe(spec, in: context))
                #expect(findings.about(db).first?.status == .drift, "a stopped container is reported, not started")
            }
            let requests = proxy.requests()
            #expect(requests.count == 8, "version, list, inspect, volumes, twice: \(requests)")
            #expect(requests.nonEmptyAllSatisfy { $0.method == "GET" }, "\(requests)")
            #expect(requests.map(\.target).contains("/v1.41/containers/json?all=1"))
            // Still created: nothing started it.
            #expect(try scene.engine.inspect(db, "{{.State.Status}}") == "created")
        }
    }

    @Test func dryRunOfTheBuiltCLISendsOnlyGETs() async throws {
        let binary = try builtReconcile()
        try await RecordingProxy.scene { scene, proxy in
            let backend = scene.container("backend")
            let worker = scene.container("worker")
            try scene.engine.run(backend, ["--restart", "always"])
            try scene.engine.create(worker)
            let repository = try ScratchRepository(files: [
                "manifests/prod.yaml": """
                apiVersion: reconcile/v1
                kind: Environment
                name: prod
                docker:
                  endpoint: \(proxy.endpoint)
                  containers:
                    - { name: \(backend), state: running, restart_policy: unless-stopped }
                    - { name: \(worker), state: running }
                    - { name: \(scene.prefix)-gone, image: rims-backend:latest }
                  volumes: [\(scene.prefix)_media]
                """
            ])
            let result = try run(
                binary, ["--repo", repository.path, "--manifest", "manifests/prod.yaml", "--dry-run", "--format", "json"])
            #expect(result.status == 2, "drift: \(result.stdout) \(result.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let summary = report?["summary"] as? [String: Int]
            #expect(summary?["drift"] == 4, "\(result.stdout)")
            let requests = proxy.requests()
            #expect(requests.count >= 4)
            #expect(requests.nonEmptyAllSatisfy { $0.method == "GET" }, "\(requests)")
            // Every drift had a fix a human could run; reconcile ran none of them.
            #expect(try scene.engine.inspect(worker, "{{.State.Status}}") == "created")
            #expect(try scene.engine.inspect(backend, "{{.HostConfig.RestartPolicy.Name}}") == "always")
            #expect(try scene.engine.podman(["volume", "ls", "-q", "--filter", "name=\(scene.prefix)_media"]).isEmpty)
        }
    }
}
