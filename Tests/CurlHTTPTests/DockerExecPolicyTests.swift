import CurlHTTP
import Foundation
import Testing

/// Dry-run's one exception: the Docker exec create/start calls of the Django
/// checker's read-only introspection, and nothing else that writes.
@Suite struct DockerExecPolicyTests {
    static let policy = RequestPolicy.readOnlyWithDockerExec

    static func allows(_ method: String, _ path: String, socket: String? = "/run/docker.sock") -> Bool {
        policy.allows(HTTPRequest(method: method, url: "http://localhost\(path)", unixSocketPath: socket))
    }

    @Test(
        "the exec calls are allowed, with or without a version prefix",
        arguments: [
            "/containers/backend/exec", "/v1.41/containers/backend/exec", "/v1.47/containers/0123abcdef/exec",
            "/exec/5d2c9a/start", "/v1.41/exec/5d2c9a/start",
        ])
    func execCallsAreAllowed(_ path: String) {
        #expect(Self.allows("POST", path))
        #expect(Self.policy.allows(HTTPRequest(method: "POST", url: "http://127.0.0.1:2375\(path)")))
    }

    @Test(
        "every other write is refused",
        arguments: [
            ("POST", "/containers/backend/start"), ("POST", "/containers/backend/stop"),
            ("POST", "/containers/backend/kill"), ("POST", "/containers/create"), ("POST", "/containers/backend/exec/x"),
            ("POST", "/exec/5d2c9a/resize"), ("POST", "/exec/5d2c9a"), ("POST", "/v1.41/containers/prune"),
            ("POST", "/containers/backend/exec?x=1"), ("POST", "/containers/backend/exec#x"),
            ("POST", "/containers/../exec"), ("POST", "/containers/%2e%2e/exec"), ("POST", "/containers//exec"),
            ("POST", "/v1/containers/backend/exec"), ("POST", "/vx.y/containers/backend/exec"),
            ("POST", "/v1.41/v1.41/containers/backend/exec"), ("POST", "/load"), ("POST", "/config/"),
            ("PUT", "/containers/backend/exec"), ("DELETE", "/containers/backend"), ("post", "/exec/5d2c9a/start"),
            ("PATCH", "/exec/5d2c9a/start"),
        ])
    func otherWritesAreRefused(_ method: String, _ path: String) {
        #expect(!Self.allows(method, path), "\(method) \(path)")
    }

    @Test func readsStayAllowed() {
        #expect(Self.allows("GET", "/v1.41/exec/5d2c9a/json"))
        #expect(Self.allows("GET", "/containers/json"))
        #expect(Self.allows("HEAD", "/_ping"))
        #expect(Self.policy.name == "read-only+docker-exec")
    }

    /// Port 1 refuses connections: a request that got out would fail with
    /// connectionRefused, so refusedByPolicy proves it never left the process.
    @Test func aRefusedRequestNeverLeavesTheProcess() async {
        let request = HTTPRequest(method: "POST", url: "http://127.0.0.1:1/containers/x/start")
        let error = await expectFailure(request, client: HTTPClient(policy: Self.policy))
        #expect(error?.kind == .refusedByPolicy)
        #expect(error?.message.contains("read-only+docker-exec") == true)
    }
}
