import CurlHTTP
import Foundation
import TestSupport
import Testing

/// The client against the real fixture server (Tests/Fixtures/servers/http_fixture_server.py).
@Suite struct HTTPClientTests {
    let client = HTTPClient(policy: .allowAll)

    @Test(arguments: [200, 404, 502])
    func statusCodesAreResponsesNotErrors(status: Int) async throws {
        let server = try FixtureHTTPServer()
        let response = try await client.send(HTTPRequest(url: "\(server.baseURL)/status/\(status)"))
        #expect(response.status == status)
        #expect(response.bodyText == "status \(status)\n")
        #expect(!response.bodyTruncated)
        #expect(response.elapsed > .zero)
    }

    @Test func responseHeadersAreReadCaseInsensitively() async throws {
        let server = try FixtureHTTPServer()
        let response = try await client.send(HTTPRequest(url: "\(server.baseURL)/api/health/"))
        #expect(response.header("content-type") == "application/json")
        #expect(response.header("CONTENT-LENGTH") == "16")
        #expect(response.header("Server")?.hasPrefix("reconcile-fixture/1") == true)
        #expect(response.header("X-Not-There") == nil)
    }

    @Test func requestHeadersArriveAtTheServer() async throws {
        let server = try FixtureHTTPServer()
        let request = HTTPRequest(
            url: "\(server.baseURL)/echo",
            headers: [HTTPHeader("X-Reconcile-Test", "yes"), HTTPHeader("Authorization", "Bearer s3cret")])
        let echo = try Echo(try await client.send(request))
        #expect(echo.method == "GET")
        #expect(echo.headers["X-Reconcile-Test"] == "yes")
        #expect(echo.headers["Authorization"] == "Bearer s3cret")
        #expect(echo.headers["User-Agent"] == "reconcile")
    }

    @Test func postBodyArrives() async throws {
        let server = try FixtureHTTPServer()
        let request = HTTPRequest(
            method: "POST", url: "\(server.baseURL)/echo", headers: [HTTPHeader("Content-Type", "application/json")],
            body: Data(#"{"probe": true}"#.utf8))
        let echo = try Echo(try await client.send(request))
        #expect(echo.method == "POST")
        #expect(echo.body == #"{"probe": true}"#)
        #expect(echo.headers["Content-Type"] == "application/json")
        #expect(echo.headers["Expect"] == nil)
    }

    @Test func customMethodsAreSentVerbatimWithTheirBody() async throws {
        let server = try FixtureHTTPServer()
        let put = try Echo(try await client.send(HTTPRequest(method: "PUT", url: "\(server.baseURL)/echo", body: Data("new".utf8))))
        #expect(put.method == "PUT")
        #expect(put.body == "new")
        let delete = try Echo(try await client.send(HTTPRequest(method: "DELETE", url: "\(server.baseURL)/echo")))
        #expect(delete.method == "DELETE")
        #expect(delete.body == "")
    }

    @Test func postWithoutBodySendsAnEmptyOne() async throws {
        let server = try FixtureHTTPServer()
        let echo = try Echo(try await client.send(HTTPRequest(method: "POST", url: "\(server.baseURL)/echo")))
        #expect(echo.method == "POST")
        #expect(echo.headers["Content-Length"] == "0")
    }

    @Test func headRequestHasNoBody() async throws {
        let server = try FixtureHTTPServer()
        let response = try await client.send(HTTPRequest(method: "HEAD", url: "\(server.baseURL)/bytes/100"))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.header("Content-Length") == "100")
        #expect(server.receivedRequests().map(\.method) == ["HEAD"])
    }

    @Test func bodyBeyondTheLimitIsCutAndFlagged() async throws {
        let server = try FixtureHTTPServer()
        let request = HTTPRequest(url: "\(server.baseURL)/bytes/5000000", maxBodyBytes: 1000)
        let response = try await client.send(request)
        #expect(response.status == 200)
        #expect(response.body.count == 1000)
        #expect(response.body.nonEmptyAllSatisfy { $0 == UInt8(ascii: "x") })
        #expect(response.bodyTruncated)
    }

    @Test func bodyExactlyAtTheLimitIsNotTruncated() async throws {
        let server = try FixtureHTTPServer()
        let response = try await client.send(HTTPRequest(url: "\(server.baseURL)/bytes/1000", maxBodyBytes: 1000))
        #expect(response.body.count == 1000)
        #expect(!response.bodyTruncated)
    }

    @Test func slowServerTimesOutWithinTheLimit() async throws {
        let server = try FixtureHTTPServer()
        let request = HTTPRequest(url: "\(server.baseURL)/delay/3000", timeout: .milliseconds(300))
        let error = await expectFailure(request)
        #expect(error?.kind == .timeout)
        #expect(error?.curlCode == 28)
    }

    @Test func nothingListeningIsConnectionRefused() async throws {
        let refusing = try ReservedPort()
        let error = await expectFailure(HTTPRequest(url: "http://127.0.0.1:\(refusing.port)/"))
        #expect(error?.kind == .connectionRefused)
        #expect(error?.message.isEmpty == false)
    }

    @Test func unknownHostIsHostNotFound() async {
        let error = await expectFailure(HTTPRequest(url: "http://nonexistent.invalid/"))
        #expect(error?.kind == .hostNotFound)
        #expect(error?.message.contains("nonexistent.invalid") == true)
    }

    @Test(arguments: ["ftp://127.0.0.1/file", "file:///etc/passwd", "http://[::1/"])
    func nonHTTPOrMalformedURLIsInvalid(url: String) async {
        let error = await expectFailure(HTTPRequest(url: url))
        #expect(error?.kind == .invalidURL)
    }

    @Test func redirectsAreNotFollowedByDefault() async throws {
        let server = try FixtureHTTPServer()
        let response = try await client.send(HTTPRequest(url: "\(server.baseURL)/redirect"))
        #expect(response.status == 302)
        #expect(response.header("Location") == "/status/200")
        #expect(server.receivedRequests().map(\.path) == ["/redirect"])
    }

    @Test func redirectsAreFollowedWhenAsked() async throws {
        let server = try FixtureHTTPServer()
        let response = try await client.send(HTTPRequest(url: "\(server.baseURL)/redirect", followRedirects: true))
        #expect(response.status == 200)
        #expect(response.bodyText == "status 200\n")
        #expect(response.header("Location") == nil)
        #expect(server.receivedRequests().map(\.path) == ["/redirect", "/status/200"])
    }

    @Test func unixSocketServerIsReachedThroughAnEndpoint() async throws {
        let server = try FixtureHTTPServer(unixSocket: true)
        let socketPath = try #require(server.socketPath)
        let endpoint = try HTTPEndpoint(parsing: "unix://\(socketPath)")
        let response = try await client.send(endpoint.request("/api/health/"))
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"status": "ok"}"#)
        #expect(server.receivedRequests().map(\.path) == ["/api/health/"])
    }

    @Test func bearerTokenReachesTheProtectedRoute() async throws {
        let server = try FixtureHTTPServer(token: "t0ken")
        let url = "\(server.baseURL)/api/health/auth/"
        let anonymous = try await client.send(HTTPRequest(url: url))
        #expect(anonymous.status == 401)
        let authorized = try await client.send(HTTPRequest(url: url, headers: [HTTPHeader("Authorization", "Bearer t0ken")]))
        #expect(authorized.status == 200)
    }

    @Test func twoHundredTransfersRunConcurrently() async throws {
        let server = try FixtureHTTPServer()
        let request = HTTPRequest(url: "\(server.baseURL)/delay/200")
        let client = self.client
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<200 {
                group.addTask { (try? await client.send(request))?.status ?? -1 }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.count == 200)
        #expect(statuses.nonEmptyAllSatisfy { $0 == 200 }, "statuses: \(Set(statuses))")
        // The server saw them overlap (one at a time would give 1).
        #expect(server.maxConcurrentRequests() >= 50)
    }

    @Test func cancellingTheTaskStopsALongRequest() async throws {
        let server = try FixtureHTTPServer()
        let client = self.client
        let request = HTTPRequest(url: "\(server.baseURL)/delay/5000")
        let task = Task { () async throws(HTTPError) -> HTTPResponse in try await client.send(request) }
        // Cancel only once the request is in flight at the server.
        for _ in 0..<500 where server.receivedRequests().isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        task.cancel()
        let result = await task.result
        #expect(throws: HTTPError(kind: .cancelled, message: "the request was cancelled")) { try result.get() }
        #expect(server.receivedRequests().map(\.path) == ["/delay/5000"])
    }

    @Test func alreadyCancelledTaskNeverReachesTheServer() async throws {
        let server = try FixtureHTTPServer()
        let client = self.client
        let request = HTTPRequest(url: "\(server.baseURL)/status/200")
        let task = Task { () async throws(HTTPError) -> HTTPResponse in
            while !Task.isCancelled { await Task.yield() }
            return try await client.send(request)
        }
        task.cancel()
        let error = await #expect(throws: HTTPError.self) { try await task.value }
        #expect(error?.kind == .cancelled)
        try await Task.sleep(for: .milliseconds(100))
        #expect(server.receivedRequests().isEmpty)
    }

    @Test func httpsToAPlainHTTPPortFailsCleanly() async throws {
        let server = try FixtureHTTPServer()
        let port = try #require(server.port)
        let error = await expectFailure(HTTPRequest(url: "https://127.0.0.1:\(port)/status/200"))
        #expect(error?.kind == .tls || error?.kind == .transport, "got \(String(describing: error))")
    }

    @Test func headerWithLineBreakIsRejectedWithoutEchoingItsValue() async {
        let request = HTTPRequest(
            url: "http://127.0.0.1:1/", headers: [HTTPHeader("Authorization", "Bearer secret\r\nX-Injected: 1")])
        let error = await expectFailure(request)
        #expect(error?.kind == .transport)
        #expect(error?.message.contains("Authorization") == true)
        #expect(error?.message.contains("secret") == false)
    }
}
