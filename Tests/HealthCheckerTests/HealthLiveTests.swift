import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import HealthChecker

/// The health checker against a real HTTP server on loopback: what it observes and what
/// it concludes, including everything that can go wrong on the way.
@Suite struct HealthLiveTests {
    static let token = "tok-3f9a1c77e2d84b6b9d0e5a2c"

    static func check(
        _ name: String = "api", url: String, expect status: Int = 200, token: TokenSource? = nil,
        bodyContains: String? = nil, maxLatency: Int? = nil, timeout: Int = 5000, retries: Int = 0,
        method: String = "GET", followRedirects: Bool = false
    ) -> HealthCheckSpec {
        HealthCheckSpec(
            name: name, url: url, method: method, token: token, expectedStatus: status, bodyContains: bodyContains,
            maxLatencyMilliseconds: maxLatency, timeoutMilliseconds: timeout, retries: retries,
            followRedirects: followRedirects, position: SourcePosition(file: "manifests/prod.yaml", line: 9, column: 5))
    }

    @Test func aHealthyEndpointIsOK() async throws {
        let server = try await startServer()
        let result = try await finding(Self.check(url: "\(server.baseURL)/api/health/"))
        #expect(result.status == .ok)
        #expect(result.severity == .info)
        #expect(result.checker == "health")
        #expect(result.resource == "api")
        #expect(result.expected == "status 200")
        #expect(result.observed?.hasPrefix("status 200 in ") == true)
        #expect(result.message.hasPrefix("200 in "))
        #expect(result.fix == nil)
        #expect(result.position == SourcePosition(file: "manifests/prod.yaml", line: 9, column: 5))
    }

    @Test func a502IsDriftAndTheFixSaysTheUpstreamIsDown() async throws {
        let server = try await startServer()
        let result = try await finding(Self.check(url: "\(server.baseURL)/status/502"))
        #expect(result.status == .drift)
        #expect(result.message == "answered 502, expected 200")
        #expect(result.observed?.hasPrefix("status 502 in ") == true)
        let fix = try #require(result.fix?.summary)
        #expect(fix.contains("could not get an answer from its upstream"))
        #expect(fix.contains("is down"))
    }

    @Test func a401WithAConfiguredTokenSaysTheTokenIsMissingOrExpired() async throws {
        let server = try await startServer(token: Self.token)
        let result = try await finding(
            Self.check(url: "\(server.baseURL)/api/health/auth/", token: .environment("RECONCILE_HEALTH_TOKEN")),
            environment: ["RECONCILE_HEALTH_TOKEN": "expired-token"])
        #expect(result.status == .drift)
        #expect(result.message == "answered 401, expected 200")
        let fix = try #require(result.fix?.summary)
        #expect(fix.contains("rejected the configured token (from $RECONCILE_HEALTH_TOKEN)"))
        #expect(fix.contains("missing, expired"))
        #expect(!fix.contains("expired-token"))
    }

    @Test func a401WithTheTokenVariableUnsetNamesTheVariable() async throws {
        let server = try await startServer(token: Self.token)
        let result = try await finding(
            Self.check(url: "\(server.baseURL)/api/health/auth/", token: .environment("RECONCILE_HEALTH_TOKEN")),
            environment: [:])
        #expect(result.status == .drift)
        let fix = try #require(result.fix?.summary)
        #expect(fix.contains("no token was sent: the environment variable RECONCILE_HEALTH_TOKEN is not set"))
    }

    @Test func a200WhereA401IsExpectedSaysTheAuthGuardIsOff() async throws {
        let server = try await startServer(token: Self.token)
        let result = try await finding(Self.check(url: "\(server.baseURL)/api/health/", expect: 401))
        #expect(result.status == .drift)
        #expect(result.message == "answered 200, expected 401")
        #expect(result.fix?.summary.contains("authentication guard is off") == true)
    }

    @Test func anAnonymousRequestToAGuardedURLIsOKWhen401IsExpected() async throws {
        let server = try await startServer(token: Self.token)
        let result = try await finding(Self.check(url: "\(server.baseURL)/api/health/auth/", expect: 401))
        #expect(result.status == .ok)
    }

    @Test func theBearerTokenComesFromTheEnvironment() async throws {
        let server = try await startServer(token: Self.token)
        let result = try await finding(
            Self.check(url: "\(server.baseURL)/api/health/auth/", token: .environment("RECONCILE_HEALTH_TOKEN")),
            environment: ["RECONCILE_HEALTH_TOKEN": Self.token])
        #expect(result.status == .ok)
    }

    @Test func theBearerTokenComesFromAFileWithItsTrailingNewlineIgnored() async throws {
        let server = try await startServer(token: Self.token)
        let secrets = try TemporaryDirectory()
        let path = try secrets.write("health-token", Self.token + "\n")
        let result = try await finding(
            Self.check(url: "\(server.baseURL)/api/health/auth/", token: .file(path)),
            config: OperatorConfig(tokenDirectories: [secrets.path]))
        #expect(result.status == .ok)
    }

    @Test func anUnreadableTokenFileIsNamedInTheFix() async throws {
        let server = try await startServer(token: Self.token)
        let result = try await finding(
            Self.check(url: "\(server.baseURL)/api/health/auth/", token: .file("/nonexistent/health-token")),
            config: OperatorConfig(tokenDirectories: ["/nonexistent"]))
        #expect(result.status == .drift)
        #expect(result.fix?.summary.contains("the token file /nonexistent/health-token cannot be read") == true)
    }

    /// The fixture's /echo answers with the request's headers: an Authorization header
    /// sent would be in the body.
    @Test func aTokenFromAVariableTheOperatorDidNotAllowIsNeverSent() async throws {
        let server = try await startServer()
        let check = Self.check(url: "\(server.baseURL)/echo", token: .environment("AWS_SECRET_ACCESS_KEY"), bodyContains: "Bearer")
        let refused = try await finding(check, environment: ["AWS_SECRET_ACCESS_KEY": Self.token])
        #expect(refused.status == .drift)
        #expect(refused.observed?.contains(Self.token) != true)
        let allowed = try await finding(
            check, environment: ["AWS_SECRET_ACCESS_KEY": Self.token],
            config: OperatorConfig(tokenVariables: ["AWS_SECRET_ACCESS_KEY"]))
        #expect(allowed.status == .ok, "\(allowed.message)")
    }

    @Test func aTokenFileOutsideTheAllowedDirectoriesIsNeverRead() async throws {
        let server = try await startServer(token: Self.token)
        let secrets = try TemporaryDirectory()
        let path = try secrets.write("health-token", Self.token)
        let link = try TemporaryDirectory()
        // A link inside an allowed directory that points out of it is followed first.
        try FileManager.default.createSymbolicLink(atPath: link.file("token"), withDestinationPath: path)
        let cases = [(path, OperatorConfig.defaults), (link.file("token"), OperatorConfig(tokenDirectories: [link.path]))]
        for (file, config) in cases {
            let result = try await finding(
                Self.check(url: "\(server.baseURL)/api/health/auth/", token: .file(file)), config: config)
            #expect(result.status == .drift, "\(file)")
            #expect(result.fix?.summary.contains("is not inside a directory listed under token_dirs:") == true)
        }
    }

    @Test func bodyContainsIsChecked() async throws {
        let server = try await startServer()
        let good = try await finding(Self.check(url: "\(server.baseURL)/api/health/", bodyContains: "\"ok\""))
        #expect(good.status == .ok)
        #expect(good.expected == "status 200, body contains \"\"ok\"\"")
        let bad = try await finding(Self.check(url: "\(server.baseURL)/api/health/", bodyContains: "healthy"))
        #expect(bad.status == .drift)
        #expect(bad.message == "answered 200 but the body lacks \"healthy\"")
        #expect(bad.fix?.summary.contains("Body starts: \"{\"status\": \"ok\"}\"") == true)
    }

    @Test func aSlowAnswerOverMaxLatencyIsDriftWithWarningSeverity() async throws {
        let server = try await startServer()
        let result = try await finding(Self.check(url: "\(server.baseURL)/delay/400", maxLatency: 100))
        #expect(result.status == .drift)
        #expect(result.severity == .warning)
        #expect(result.message.hasSuffix("ms, over the 100 ms limit"))
        #expect(result.expected == "status 200, within 100 ms")
    }

    @Test func aTimeoutIsDriftSayingItTimedOutAndIsBounded() async throws {
        let server = try await startServer()
        let clock = ContinuousClock()
        let started = clock.now
        let result = try await finding(Self.check(url: "\(server.baseURL)/delay/10000", timeout: 300))
        #expect(clock.now - started < .seconds(5))
        #expect(result.status == .drift)
        #expect(result.severity == .critical)
        #expect(result.observed?.hasPrefix("timed out: ") == true)
        #expect(result.message.hasSuffix("got no answer (timed out)"))
        #expect(result.fix?.summary.hasPrefix("No answer within 300 ms from 127.0.0.1:") == true)
    }

    @Test func connectionRefusedIsDriftWithWhatWasObserved() async throws {
        let refusing = try ReservedPort()
        let port = refusing.port
        let result = try await finding(Self.check(url: "http://127.0.0.1:\(port)/api/health/"))
        #expect(result.status == .drift)
        #expect(result.observed?.hasPrefix("connection refused: ") == true)
        #expect(result.message == "GET http://127.0.0.1:\(port)/api/health/ got no answer (connection refused)")
        #expect(result.fix?.summary.hasPrefix("Nothing listens at 127.0.0.1:\(port)") == true)
    }

    @Test func anUnresolvableHostIsDriftWithWhatWasObserved() async throws {
        let result = try await finding(Self.check(url: "http://nonexistent.invalid/", timeout: 10000))
        #expect(result.status == .drift)
        #expect(result.observed?.hasPrefix("host not found: ") == true)
        #expect(result.fix?.summary.hasPrefix("DNS cannot resolve nonexistent.invalid") == true)
    }

    @Test func aFailedExpectationIsRetriedAndEveryAttemptReachesTheServer() async throws {
        let server = try await startServer()
        let result = try await finding(Self.check(url: "\(server.baseURL)/status/503?case=retries", retries: 2))
        #expect(result.status == .drift)
        #expect(result.message == "answered 503, expected 200 after 3 attempts")
        #expect(server.receivedRequests().filter { $0.path == "/status/503?case=retries" }.count == 3)
    }

    @Test func retriesStopAtTheFirstPassingAttempt() async throws {
        let server = try await startServer()
        let result = try await finding(Self.check(url: "\(server.baseURL)/api/health/?case=first", retries: 3))
        #expect(result.status == .ok)
        #expect(server.receivedRequests().count == 1)
    }

    @Test func redirectsAreReportedUnlessFollowed() async throws {
        let server = try await startServer()
        let seen = try await finding(Self.check(url: "\(server.baseURL)/redirect"))
        #expect(seen.status == .drift)
        #expect(seen.observed?.hasSuffix(", Location: /status/200") == true)
        #expect(seen.fix?.summary.hasPrefix("The URL redirects to /status/200") == true)
        let followed = try await finding(Self.check(url: "\(server.baseURL)/redirect", followRedirects: true))
        #expect(followed.status == .ok)
    }

    @Test func checksRunConcurrently() async throws {
        let server = try await startServer()
        // Every request waits at the gate until all four have arrived: one check at a time
        // would never get there, however fast or slow the machine.
        let checks = (0..<4).map { Self.check("held-\($0)", url: "\(server.baseURL)/gate/together/0", timeout: 120_000) }
        async let running = findings(checks)
        // Opened however the wait ends, so a failed wait does not leave the checks held.
        defer { try? server.openGate("together") }
        try await offPool {
            try waitUntil("the four checks to wait at the gate at once") { server.receivedRequests().count >= 4 }
        }
        try server.openGate("together")
        let results = try await running
        #expect(results.map(\.status) == [.ok, .ok, .ok, .ok])
        #expect(results.map(\.resource) == ["held-0", "held-1", "held-2", "held-3"])
        #expect(server.maxConcurrentRequests() == 4)
    }

    @Test func dryRunRefusesAPostCheckBeforeItLeavesTheProcess() async throws {
        let server = try await startServer()
        let result = try await finding(
            Self.check(url: "\(server.baseURL)/status/200?case=dry-run", retries: 3, method: "POST"), mode: .dryRun)
        #expect(result.status != .ok)
        #expect(result.status == .unknown, "nothing was observed, so nothing can have drifted")
        #expect(result.message == "POST \(server.baseURL)/status/200?case=dry-run was not sent: the run is read-only")
        #expect(result.observed == "not sent: policy 'read-only+docker-exec' refuses POST \(server.baseURL)/status/200?case=dry-run")
        // A refused request would be refused again: it is not retried.
        let spec = HealthSpec(checks: [Self.check(url: "\(server.baseURL)/x", retries: 3, method: "POST")])
        let observations = try await HealthChecker().observe(spec, in: dryRunContext())
        #expect(observations["api"]?.attempts == 1)
        #expect(result.fix?.summary.hasPrefix("A read-only run (--dry-run, or no manifest with an apply: section) sends only GET") == true)
        #expect(server.receivedRequests().isEmpty)
    }

    @Test func applyModeSendsThePostCheck() async throws {
        // The counterpart of the dry-run test: the same check does reach the server when
        // the policy allows it, so an empty request log above means "refused".
        let server = try await startServer()
        let result = try await finding(
            Self.check(url: "\(server.baseURL)/status/200?case=apply", method: "POST"), mode: .apply)
        #expect(result.status == .ok)
        #expect(server.receivedRequests().map(\.method) == ["POST"])
    }
}

/// The bearer token is a secret: no finding field, message or fix may contain it,
/// whatever the server answers.
@Suite struct HealthTokenSecrecyTests {
    static let token = "tok-SECRET-4b1d9e0f7a2c6e8d"

    @Test func theTokenNeverAppearsInAnyFinding() async throws {
        let server = try await startServer(token: Self.token)
        let base = server.baseURL
        let auth = TokenSource.environment("RECONCILE_HEALTH_TOKEN")
        let refusing = try ReservedPort()
        let checks = [
            HealthLiveTests.check("ok", url: "\(base)/api/health/auth/", token: auth),
            HealthLiveTests.check("wrong-status", url: "\(base)/api/health/auth/", expect: 204, token: auth),
            HealthLiveTests.check("echo", url: "\(base)/echo", token: auth, bodyContains: "never"),
            HealthLiveTests.check("slow", url: "\(base)/delay/2000", token: auth, timeout: 200),
            HealthLiveTests.check("refused", url: "http://127.0.0.1:\(refusing.port)/", token: auth),
            HealthLiveTests.check("post", url: "\(base)/echo", token: auth, method: "POST"),
            HealthLiveTests.check("redirect", url: "\(base)/redirect", token: auth),
        ]
        let results = try await findings(checks, environment: ["RECONCILE_HEALTH_TOKEN": Self.token])
        #expect(results.first?.status == .ok, "the token was sent")
        let text = try reportText(results)
        #expect(!text.contains(Self.token))
        #expect(!text.contains("SECRET"))
    }

    @Test func aServerThatEchoesTheTokenBackDoesNotLeakItIntoTheFix() async throws {
        // A misconfigured endpoint that reflects the Authorization header in its body:
        // the body excerpt quoted in a fix must not carry the token out.
        let reserved = try ReservedPort(forAServer: true)
        let port = reserved.port
        let script = """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = ("auth=" + str(self.headers.get("Authorization"))).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Location", "/x?" + str(self.headers.get("Authorization")).replace(" ", "+"))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            http.server.HTTPServer.allow_reuse_port = True
            http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
            """
        let server = try await offPool {
            let process = try ManagedProcess(TestPaths.python, ["-c", script, String(port)], holding: [reserved])
            try process.waitUntilReady("echo server on \(port)") { isListening(port: port) }
            return process
        }
        defer { server.stop() }
        let result = try await finding(
            HealthLiveTests.check(
                url: "http://127.0.0.1:\(port)/", token: .environment("RECONCILE_HEALTH_TOKEN"),
                bodyContains: "healthy"),
            environment: ["RECONCILE_HEALTH_TOKEN": Self.token])
        #expect(result.status == .drift)
        #expect(result.fix?.summary.contains("auth=Bearer ") == true, "the body is quoted, minus the secret")
        let text = try reportText([result])
        #expect(!text.contains(Self.token))
    }
}
