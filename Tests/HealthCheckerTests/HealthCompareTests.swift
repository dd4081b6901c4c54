import ReconcileKit
import Testing

@testable import HealthChecker

/// `compare` is pure: hand-built observations in, findings out, no server needed.
@Suite struct HealthCompareTests {
    static let position = SourcePosition(file: "manifests/prod.yaml", line: 12, column: 5)

    static func spec(
        expect status: Int = 200, token: TokenSource? = nil, bodyContains: String? = nil, maxLatency: Int? = nil,
        url: String = "https://rims.example.com/api/health/"
    ) -> HealthCheckSpec {
        HealthCheckSpec(
            name: "api", url: url, token: token, expectedStatus: status, bodyContains: bodyContains,
            maxLatencyMilliseconds: maxLatency, timeoutMilliseconds: 3000, position: position)
    }

    static func compare(_ spec: HealthCheckSpec, _ observation: HealthCheckObservation) -> Finding {
        let findings = HealthChecker().compare(HealthSpec(checks: [spec]), with: ["api": observation])
        precondition(findings.count == 1)
        return findings[0]
    }

    static func response(_ status: Int, ms: Int = 7, body: String = "", contains: Bool? = nil, location: String? = nil)
        -> HealthCheckObservation
    {
        HealthCheckObservation(
            attempt: .response(
                HealthResponse(
                    status: status, latencyMilliseconds: ms, bodyExcerpt: body, bodyContainsExpected: contains,
                    location: location)))
    }

    static func failure(_ kind: HealthFailure.Kind, _ message: String, attempts: Int = 1) -> HealthCheckObservation {
        HealthCheckObservation(attempt: .failure(HealthFailure(kind: kind, message: message)), attempts: attempts)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let spec: HealthCheckSpec
        let observation: HealthCheckObservation
        let status: Status
        let severity: Severity
        let message: String
        let observed: String?
        let fix: String? // a phrase the fix must contain
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "expected status is ok", spec: spec(), observation: response(200), status: .ok, severity: .info,
            message: "200 in 7 ms", observed: "status 200 in 7 ms", fix: nil),
        Case(
            name: "502 through a proxy: upstream down", spec: spec(), observation: response(502), status: .drift,
            severity: .error, message: "answered 502, expected 200", observed: "status 502 in 7 ms",
            fix: "the backend (e.g. Gunicorn in its container) is down"),
        Case(
            name: "504 is the same story", spec: spec(), observation: response(504), status: .drift, severity: .error,
            message: "answered 504, expected 200", observed: "status 504 in 7 ms", fix: "could not get an answer from its upstream"),
        Case(
            name: "401 with a configured token: token missing or expired",
            spec: spec(token: .environment("RECONCILE_HEALTH_TOKEN")), observation: response(401), status: .drift,
            severity: .error, message: "answered 401, expected 200", observed: "status 401 in 7 ms",
            fix: "rejected the configured token (from $RECONCILE_HEALTH_TOKEN): it is missing, expired"),
        Case(
            name: "401 with a token file names the file",
            spec: spec(token: .file("/run/secrets/health")), observation: response(403), status: .drift,
            severity: .error, message: "answered 403, expected 200", observed: "status 403 in 7 ms",
            fix: "rejected the configured token (from /run/secrets/health)"),
        Case(
            name: "401 with the token variable unset names the variable",
            spec: spec(token: .environment("RECONCILE_HEALTH_TOKEN")),
            observation: HealthCheckObservation(
                attempt: .response(HealthResponse(status: 401, latencyMilliseconds: 7)),
                tokenProblem: "the environment variable RECONCILE_HEALTH_TOKEN is not set"),
            status: .drift, severity: .error, message: "answered 401, expected 200", observed: "status 401 in 7 ms",
            fix: "no token was sent: the environment variable RECONCILE_HEALTH_TOKEN is not set"),
        Case(
            name: "401 without any token configured asks for one", spec: spec(), observation: response(401),
            status: .drift, severity: .error, message: "answered 401, expected 200", observed: "status 401 in 7 ms",
            fix: "add bearer_token_env (or bearer_token_file)"),
        Case(
            name: "200 where 401 is expected: auth guard off", spec: spec(expect: 401), observation: response(200),
            status: .drift, severity: .error, message: "answered 200, expected 401", observed: "status 200 in 7 ms",
            fix: "its authentication guard is off"),
        Case(
            name: "404: nothing routed", spec: spec(), observation: response(404), status: .drift, severity: .error,
            message: "answered 404, expected 200", observed: "status 404 in 7 ms", fix: "Nothing is routed at this path"),
        Case(
            name: "500: application error", spec: spec(), observation: response(500), status: .drift,
            severity: .error, message: "answered 500, expected 200", observed: "status 500 in 7 ms",
            fix: "read the backend's logs"),
        Case(
            name: "redirect: where to, without credentials", spec: spec(),
            observation: response(301, location: "https://admin:hunter2@rims.example.com/api/health/"),
            status: .drift, severity: .error, message: "answered 301, expected 200",
            observed: "status 301 in 7 ms, Location: https://***@rims.example.com/api/health/",
            fix: "The URL redirects to https://***@rims.example.com/api/health/"),
        Case(
            name: "body lacks the expected text", spec: spec(bodyContains: "ok"),
            observation: response(200, body: "<html>Bad Gateway</html>", contains: false), status: .drift,
            severity: .error, message: "answered 200 but the body lacks \"ok\"", observed: "status 200 in 7 ms",
            fix: "Body starts: \"<html>Bad Gateway</html>\""),
        Case(
            name: "slow answer is a warning", spec: spec(maxLatency: 100), observation: response(200, ms: 250),
            status: .drift, severity: .warning, message: "answered in 250 ms, over the 100 ms limit",
            observed: "status 200 in 250 ms", fix: "raise max_latency_ms if 250 ms is acceptable"),
        Case(
            name: "latency at the limit passes", spec: spec(maxLatency: 100), observation: response(200, ms: 100),
            status: .ok, severity: .info, message: "200 in 100 ms", observed: "status 200 in 100 ms", fix: nil),
        Case(
            name: "connection refused", spec: spec(url: "http://127.0.0.1:8000/api/health/"),
            observation: failure(.connectionRefused, "Failed to connect to 127.0.0.1 port 8000"), status: .drift,
            severity: .critical, message: "GET http://127.0.0.1:8000/api/health/ got no answer (connection refused)",
            observed: "connection refused: Failed to connect to 127.0.0.1 port 8000",
            fix: "Nothing listens at 127.0.0.1:8000"),
        Case(
            name: "DNS failure", spec: spec(), observation: failure(.hostNotFound, "Could not resolve host"),
            status: .drift, severity: .critical,
            message: "GET https://rims.example.com/api/health/ got no answer (host not found)",
            observed: "host not found: Could not resolve host", fix: "DNS cannot resolve rims.example.com"),
        Case(
            name: "timeout after retries", spec: spec(), observation: failure(.timeout, "Operation timed out", attempts: 3),
            status: .drift, severity: .critical,
            message: "GET https://rims.example.com/api/health/ got no answer after 3 attempts (timed out)",
            observed: "timed out: Operation timed out", fix: "No answer within 3000 ms from rims.example.com"),
        Case(
            name: "TLS failure: certificate", spec: spec(), observation: failure(.tls, "certificate has expired"),
            status: .drift, severity: .critical,
            message: "GET https://rims.example.com/api/health/ got no answer (TLS error)",
            observed: "TLS error: certificate has expired", fix: "the certificate is expired"),
        Case(
            name: "credentials in the URL never reach the message",
            spec: spec(url: "https://monitor:s3cret@rims.example.com/api/health/"),
            observation: failure(.connectionRefused, "Failed to connect"), status: .drift, severity: .critical,
            message: "GET https://***@rims.example.com/api/health/ got no answer (connection refused)",
            observed: "connection refused: Failed to connect", fix: "Nothing listens at rims.example.com"),
    ]

    @Test("compare judges a hand-built observation", arguments: cases)
    func judge(_ c: Case) {
        let result = Self.compare(c.spec, c.observation)
        #expect(result.checker == "health")
        #expect(result.resource == "api")
        #expect(result.status == c.status)
        #expect(result.severity == c.severity)
        #expect(result.message == c.message)
        #expect(result.observed == c.observed)
        #expect(result.position == Self.position)
        if let phrase = c.fix {
            #expect(result.fix?.summary.contains(phrase) == true, "fix: \(result.fix?.summary ?? "none")")
        } else {
            #expect(result.fix == nil)
        }
        #expect(!"\(result)".contains("s3cret"))
        #expect(!"\(result)".contains("hunter2"))
    }

    @Test func aCheckWithoutAnObservationIsUnknownNeverOK() {
        let findings = HealthChecker().compare(HealthSpec(checks: [Self.spec()]), with: [:])
        #expect(findings.map(\.status) == [.unknown])
        #expect(findings.first?.message == "no observation was made")
    }

    @Test func findingsFollowTheManifestOrder() {
        var second = Self.spec()
        second.name = "web"
        let findings = HealthChecker().compare(
            HealthSpec(checks: [Self.spec(), second]), with: ["web": Self.response(500), "api": Self.response(200)])
        #expect(findings.map(\.resource) == ["api", "web"])
        #expect(findings.map(\.status) == [.ok, .drift])
    }
}
