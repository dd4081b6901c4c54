import Foundation
import ReconcileKit

/// Requests each `health:` URL and judges the answer against its expectations.
///
/// Checks run concurrently on the shared HTTP client, up to its per-host connection
/// limit for each host, so 200 checks of a URL that answers in 200 ms take a few rounds
/// of 200 ms (one with `--max-connections-per-host 256`), not 40 s. A failed expectation is retried
/// `retries` times. Connection refused, DNS failure, TLS errors and timeouts are drift
/// with what was observed: a health URL that does not answer is not healthy.
public struct HealthChecker: Checker {
    public static let identifier = "health"
    public static let observes = "each URL, concurrently (libcurl multi), bearer token from env or file"
    public static let reports = "status, body text, latency; refused, DNS, TLS and timeouts with their likely cause"
    public static let manualReason = "health is never an action: it is the gate that verifies an apply"

    /// Pause between attempts of one check.
    static let retryDelay: Duration = .milliseconds(250)

    public init() {}

    /// Checks of one host run at most the HTTP client's per-host limit at a time, hosts
    /// side by side: a check started beyond it would only wait for a connection, holding
    /// a task (its stack) meanwhile, and 1,000 waiting tasks cost megabytes.
    public func observe(_ spec: HealthSpec, in context: ObservationContext) async throws -> [String: HealthCheckObservation] {
        var queues: [String: ArraySlice<HealthCheckSpec>] = [:]
        var hosts: [String] = []
        for check in spec.checks {
            let host = HTTPRequest(url: check.url).hostKey
            if queues[host] == nil { hosts.append(host) }
            queues[host, default: []].append(check)
        }
        return try await withThrowingTaskGroup(of: (String, String, HealthCheckObservation).self) { group in
            func startNext(_ host: String) {
                guard let check = queues[host]?.popFirst() else { return }
                group.addTask { (host, check.name, await Self.observe(check, context: context)) }
            }
            for host in hosts {
                for _ in 0..<HTTPClient.maxConnectionsPerHost { startNext(host) }
            }
            var observations: [String: HealthCheckObservation] = [:]
            for try await (host, name, observation) in group {
                observations[name] = observation
                startNext(host)
            }
            return observations
        }
    }

    public func compare(_ spec: HealthSpec, with observations: [String: HealthCheckObservation]) -> [Finding] {
        spec.checks.map { check in
            guard let observation = observations[check.name] else {
                return Finding(
                    checker: Self.identifier, resource: check.name, status: .unknown,
                    message: "no observation was made", position: check.position)
            }
            return HealthVerdict.finding(for: check, observation: observation)
        }
    }

    static func observe(_ check: HealthCheckSpec, context: ObservationContext) async -> HealthCheckObservation {
        var headers: [HTTPHeader] = []
        var tokenProblem: String?
        var secret: String?
        switch readToken(check.token, environment: context.environment, config: context.operatorConfig) {
        case .success(let token?):
            headers.append(HTTPHeader("Authorization", "Bearer \(token)"))
            secret = token
            context.secrets.register(token)
        case .success(nil): break
        case .failure(let problem): tokenProblem = problem.reason
        }
        let request = HTTPRequest(
            method: check.method, url: check.url, headers: headers,
            timeout: .milliseconds(check.timeoutMilliseconds), followRedirects: check.followRedirects,
            maxBodyBytes: 256 * 1024, tls: TLSOptions(verifyPeer: true, caFile: check.caFile))
        var attempts = 0
        var last: HealthAttempt
        repeat {
            if attempts > 0 { try? await Task.sleep(for: retryDelay) }
            attempts += 1
            last = await attempt(request, bodyContains: check.bodyContains, client: context.http, secret: secret)
        } while attempts <= check.retries && !HealthVerdict.passes(check, last) && !Self.refused(last)
            && !Task.isCancelled
        return HealthCheckObservation(attempt: last, attempts: attempts, tokenProblem: tokenProblem)
    }

    /// One request. Whatever the server sends back that ends up in a finding (a body
    /// excerpt, a Location) has the token masked, in any encoding: an endpoint that
    /// reflects its Authorization header must not carry the secret into a finding. (The
    /// token is also registered with the run, so every output masks it again when
    /// printing; `bodyContains` is judged on the body as it came.)
    static func attempt(_ request: HTTPRequest, bodyContains: String?, client: HTTPClient, secret: String? = nil)
        async -> HealthAttempt
    {
        let mask = SecretMask(secrets: secret.map { [$0] } ?? [])
        func masked(_ text: String) -> String { mask.mask(text) }
        do {
            let response = try await client.send(request)
            let latency = response.elapsed.components
            let milliseconds = Int(latency.seconds * 1000 + latency.attoseconds / 1_000_000_000_000_000)
            let text = response.bodyText
            return .response(
                HealthResponse(
                    status: response.status, latencyMilliseconds: milliseconds,
                    bodyExcerpt: String(masked(text).prefix(120)).replacingOccurrences(of: "\n", with: " "),
                    bodyContainsExpected: bodyContains.map { text.contains($0) },
                    location: response.header("Location").map(masked)))
        } catch {
            let kind: HealthFailure.Kind =
                switch error.kind {
                case .connectionRefused: .connectionRefused
                case .hostNotFound: .hostNotFound
                case .timeout: .timeout
                case .tls: .tls
                case .refusedByPolicy: .refusedByPolicy
                case .descriptorsExhausted: .descriptorsExhausted
                default: .other
                }
            return .failure(HealthFailure(kind: kind, message: masked(error.message)))
        }
    }

    /// A refused request would be refused again: no point retrying it.
    static func refused(_ attempt: HealthAttempt) -> Bool {
        if case .failure(let failure) = attempt { return failure.kind == .refusedByPolicy }
        return false
    }

    struct TokenProblem: Error {
        let reason: String
    }

    /// The token, if one is configured, allowed by the operator config and readable.
    /// Problems name the variable or file, never any part of the token. A refused source
    /// is never read, so its content cannot reach any URL.
    static func readToken(
        _ source: TokenSource?, environment: [String: String], config: OperatorConfig
    ) -> Result<String?, TokenProblem> {
        let request: TrustRequest
        switch source {
        case nil: return .success(nil)
        case .environment(let name): request = .tokenVariable(name)
        case .file(let path): request = .tokenFile(path)
        }
        if case .refused(let reason) = config.decide(request) {
            return .failure(TokenProblem(reason: reason))
        }
        return source.map { $0.read(environment: environment, calling: "token").map { $0 }.mapError { TokenProblem(reason: $0.reason) } }
            ?? .success(nil)
    }
}
