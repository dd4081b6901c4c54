import ReconcileKit

/// The pure half of the health checker: one observation against one check's
/// expectations, with a fix that says what was seen and its likely cause.
enum HealthVerdict {
    /// True when the attempt meets every expectation (used to stop retrying).
    static func passes(_ check: HealthCheckSpec, _ attempt: HealthAttempt) -> Bool {
        guard case .response(let response) = attempt else { return false }
        return response.status == check.expectedStatus && response.bodyContainsExpected != false
            && check.maxLatencyMilliseconds.map { response.latencyMilliseconds <= $0 } != false
    }

    static func finding(for check: HealthCheckSpec, observation: HealthCheckObservation) -> Finding {
        let expected = expectedText(check)
        var finding = Finding(
            checker: HealthChecker.identifier, resource: check.name, status: .drift, severity: .error,
            expected: expected, message: "", position: check.position)
        let tries = observation.attempts > 1 ? " after \(observation.attempts) attempts" : ""
        switch observation.attempt {
        case .failure(let failure) where failure.kind == .refusedByPolicy:
            // Nothing was sent, so nothing was observed: unknown, not drift.
            finding.status = .unknown
            finding.severity = .warning
            finding.observed = "not sent: \(failure.message)"
            finding.message = "\(check.method) \(Redaction.urlCredentials(in: check.url)) was not sent: the run is read-only"
            finding.fix = Fix(
                summary: "A read-only run (--dry-run, or no manifest with an apply: section) sends only GET and "
                    + "HEAD requests. Check this URL with GET (or HEAD) if it allows it; a \(check.method) check "
                    + "is sent only by a run that applies (without --dry-run, with an apply: section).")
        case .failure(let failure) where failure.kind == .descriptorsExhausted:
            // reconcile's own limit, not the service: nothing was observed.
            finding.status = .unknown
            finding.observed = "\(failureText(failure.kind)): \(failure.message)"
            finding.message =
                "\(check.method) \(Redaction.urlCredentials(in: check.url)) was not reached: "
                + "reconcile ran out of file descriptors"
            finding.fix = fixForFailure(failure, check: check)
        case .failure(let failure):
            finding.severity = .critical
            finding.observed = "\(failureText(failure.kind)): \(failure.message)"
            finding.message =
                "\(check.method) \(Redaction.urlCredentials(in: check.url)) got no answer\(tries) (\(failureText(failure.kind)))"
            finding.fix = fixForFailure(failure, check: check)
        case .response(let response):
            finding.observed = observedText(response)
            if response.status != check.expectedStatus {
                finding.message = "answered \(response.status), expected \(check.expectedStatus)\(tries)"
                finding.fix = fixForStatus(response, check: check, tokenProblem: observation.tokenProblem)
            } else if response.bodyContainsExpected == false, let needle = check.bodyContains {
                finding.message = "answered \(response.status) but the body lacks \"\(needle)\"\(tries)"
                finding.fix = Fix(
                    summary: "The URL answers, but not with the expected content: it may be served by the wrong "
                        + "upstream or an error page. Body starts: \"\(response.bodyExcerpt.prefix(60))\"")
            } else if let limit = check.maxLatencyMilliseconds, response.latencyMilliseconds > limit {
                finding.severity = .warning
                finding.message = "answered in \(response.latencyMilliseconds) ms, over the \(limit) ms limit\(tries)"
                finding.fix = Fix(
                    summary: "The service is slow: check the upstream's load (Gunicorn workers, database) "
                        + "or raise max_latency_ms if \(response.latencyMilliseconds) ms is acceptable.")
            } else {
                return Finding(
                    checker: HealthChecker.identifier, resource: check.name, status: .ok, expected: expected,
                    observed: finding.observed,
                    message: "\(response.status) in \(response.latencyMilliseconds) ms\(tries)",
                    position: check.position)
            }
        }
        return finding
    }

    static func expectedText(_ check: HealthCheckSpec) -> String {
        var parts = ["status \(check.expectedStatus)"]
        if let needle = check.bodyContains { parts.append("body contains \"\(needle)\"") }
        if let limit = check.maxLatencyMilliseconds { parts.append("within \(limit) ms") }
        return parts.joined(separator: ", ")
    }

    static func observedText(_ response: HealthResponse) -> String {
        var text = "status \(response.status) in \(response.latencyMilliseconds) ms"
        if let location = response.location { text += ", Location: \(Redaction.urlCredentials(in: location))" }
        return text
    }

    static func failureText(_ kind: HealthFailure.Kind) -> String {
        switch kind {
        case .connectionRefused: "connection refused"
        case .hostNotFound: "host not found"
        case .timeout: "timed out"
        case .tls: "TLS error"
        case .other: "transport error"
        case .descriptorsExhausted: "out of file descriptors"
        case .refusedByPolicy: "not sent"
        }
    }

    static func fixForFailure(_ failure: HealthFailure, check: HealthCheckSpec) -> Fix {
        let host = authority(of: check.url)
        switch failure.kind {
        case .connectionRefused:
            return Fix(
                summary: "Nothing listens at \(host): the service (or Caddy in front of it) is down, or bound "
                    + "to another address or port. Start it, or correct the URL.")
        case .hostNotFound:
            return Fix(
                summary: "DNS cannot resolve \(host): check the name in the manifest (or its ${var}) and the "
                    + "host's resolver.")
        case .timeout:
            return Fix(
                summary: "No answer within \(check.timeoutMilliseconds) ms from \(host): the upstream is hung or "
                    + "overloaded, or a firewall drops the packets. Raise timeout_ms only if the service is "
                    + "known to be this slow.")
        case .tls:
            return Fix(
                summary: "The TLS handshake with \(host) failed: the certificate is expired, self-signed or "
                    + "issued for another name. Renew it, or set ca_file for a private CA.")
        case .descriptorsExhausted:
            return Fix(
                summary: "reconcile ran out of file descriptors before reaching \(host); nothing is known about "
                    + "the service. Raise the limit (ulimit -n, LimitNOFILE=) or lower --max-connections-per-host.")
        case .other, .refusedByPolicy:
            return Fix(summary: "The request to \(host) failed before an HTTP answer: \(failure.message)")
        }
    }

    static func fixForStatus(_ response: HealthResponse, check: HealthCheckSpec, tokenProblem: String?) -> Fix {
        let status = response.status
        switch status {
        case 502, 503, 504:
            return Fix(
                summary: "A \(status) through a proxy means the proxy (Caddy) could not get an answer from its "
                    + "upstream: the backend (e.g. Gunicorn in its container) is down, or reverse_proxy points "
                    + "at the wrong address or port.")
        case 401 where check.expectedStatus < 400, 403 where check.expectedStatus < 400:
            if let tokenProblem {
                return Fix(
                    summary: "The URL needs authentication and no token was sent: \(tokenProblem). Set it to "
                        + "a valid token for this check.")
            }
            if check.token != nil {
                return Fix(
                    summary: "The URL rejected the configured token (\(tokenSourceText(check.token))): it is "
                        + "missing, expired or for another environment. Issue a new token and update it.")
            }
            return Fix(
                summary: "The URL needs authentication: add bearer_token_env (or bearer_token_file) with a "
                    + "valid token to this check.")
        case 200..<300 where check.expectedStatus == 401 || check.expectedStatus == 403:
            return Fix(
                summary: "The URL answered \(status) where it must refuse: its authentication guard is off "
                    + "(check the view's permission or authentication classes).")
        case 300..<400:
            let target = response.location.map { " to \(Redaction.urlCredentials(in: $0))" } ?? ""
            return Fix(
                summary: "The URL redirects\(target): fix the URL in the manifest (http → https? a missing "
                    + "trailing slash?) or set follow_redirects: true.")
        case 404:
            return Fix(
                summary: "Nothing is routed at this path: check the proxy's routes (Caddy's handle blocks) and "
                    + "the application's URLconf.")
        case 500..<600:
            return Fix(summary: "The application failed with \(status): read the backend's logs for the traceback.")
        default:
            return Fix(summary: "The URL answered \(status) instead of \(check.expectedStatus).")
        }
    }

    static func tokenSourceText(_ token: TokenSource?) -> String {
        switch token {
        case .environment(let name)?: "from $\(name)"
        case .file(let path)?: "from \(path)"
        case nil: "none"
        }
    }

    /// `host:port` of a URL, for messages (credentials removed).
    static func authority(of url: String) -> String {
        let clean = Redaction.urlCredentials(in: url)
        guard let scheme = clean.range(of: "://") else { return clean }
        let authority = clean[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return String(authority.split(separator: "@").last ?? authority)
    }
}
