import CurlHTTP
import Foundation
import TestSupport
import Testing

/// The read-only guarantee of dry-run: refused requests fail before the network.
@Suite struct RequestPolicyTests {
    @Test func readOnlyPolicyRefusesMutatingMethodsAndTheyNeverArrive() async throws {
        let server = try FixtureHTTPServer()
        let client = HTTPClient(policy: .readOnly)
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            let request = HTTPRequest(method: method, url: "\(server.baseURL)/echo", body: Data("change".utf8))
            let error = await expectFailure(request, client: client)
            #expect(error?.kind == .refusedByPolicy, "\(method)")
            #expect(error?.message.contains("read-only") == true)
            #expect(error?.message.contains(method) == true)
        }
        let allowed = try await client.send(HTTPRequest(url: "\(server.baseURL)/status/200"))
        #expect(allowed.status == 200)
        let head = try await client.send(HTTPRequest(method: "HEAD", url: "\(server.baseURL)/status/200"))
        #expect(head.status == 200)
        // The log holds the allowed requests, so it works; the refused ones are absent.
        let received = server.receivedRequests()
        #expect(received.map(\.method) == ["GET", "HEAD"])
    }

    @Test func readOnlyPolicyRefusesLowercaseMethods() {
        #expect(!RequestPolicy.readOnly.allows(HTTPRequest(method: "get", url: "http://127.0.0.1/")))
        #expect(RequestPolicy.readOnly.allows(HTTPRequest(method: "GET", url: "http://127.0.0.1/")))
        #expect(RequestPolicy.allowAll.allows(HTTPRequest(method: "DELETE", url: "http://127.0.0.1/")))
    }

    @Test func customPolicySeesMethodURLAndSocket() async {
        let policy = RequestPolicy(name: "docker-exec-only") { method, url, socket in
            method == "GET" || (method == "POST" && url.hasSuffix("/start") && socket == "/run/docker.sock")
        }
        #expect(policy.allows(HTTPRequest(method: "POST", url: "http://localhost/exec/1/start", unixSocketPath: "/run/docker.sock")))
        #expect(!policy.allows(HTTPRequest(method: "POST", url: "http://localhost/exec/1/start")))
        #expect(!policy.allows(HTTPRequest(method: "POST", url: "http://localhost/containers/1/stop", unixSocketPath: "/run/docker.sock")))
        let client = HTTPClient(policy: policy)
        #expect(client.policy.name == "docker-exec-only")
        let error = await expectFailure(HTTPRequest(method: "DELETE", url: "http://localhost/x"), client: client)
        #expect(error?.kind == .refusedByPolicy)
    }

    @Test func refusalMessageHidesHeaderValuesAndURLCredentials() async {
        let request = HTTPRequest(
            method: "POST", url: "http://admin:hunter2@127.0.0.1:1/load",
            headers: [HTTPHeader("Authorization", "Bearer s3cret")])
        let error = await expectFailure(request, client: HTTPClient(policy: .readOnly))
        let message = error?.message ?? ""
        #expect(message.contains("127.0.0.1:1/load"))
        #expect(!message.contains("s3cret"))
        #expect(!message.contains("hunter2"))
    }
}
