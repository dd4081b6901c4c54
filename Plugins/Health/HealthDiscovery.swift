import Foundation
import ReconcileKit

/// `reconcile discover --health URL…`: each URL requested by the checker's own
/// `observe`, and its answer written as the status it must give. With
/// `--health-token-env NAME` the token is sent and the manifest names the variable
/// (`bearer_token_env`), never the token.
extension HealthChecker: Discovering {
    public func discover(_ request: DiscoveryRequest, earlier: Discoveries, in context: ObservationContext) async throws
        -> [String: HealthCheckObservation]?
    {
        guard !request.healthURLs.isEmpty else { return nil }
        for url in request.healthURLs {
            let scheme = url.split(separator: ":").first?.lowercased()
            guard scheme == "http" || scheme == "https", URL(string: url)?.host != nil else {
                throw DiscoveryFailure("--health \(url): not an http:// or https:// URL")
            }
        }
        return try await observe(HealthSpec(checks: Self.discoveredChecks(request)), in: context)
    }

    public func describe(_ observation: [String: HealthCheckObservation], request: DiscoveryRequest, earlier: Discoveries)
        -> DiscoveredSection
    {
        var items: [YAMLItem] = []
        var problems: [String] = []
        for check in Self.discoveredChecks(request) {
            guard let observed = observation[check.name] else {
                problems.append("\(check.url) was not requested")
                continue
            }
            if let tokenProblem = observed.tokenProblem { problems.append("\(check.url): \(tokenProblem)") }
            switch observed.attempt {
            case .failure(let failure):
                problems.append("\(check.url) did not answer: \(failure.message)")
            case .response(let response):
                var fields = [YAMLEntry("name", .string(check.name)), YAMLEntry("url", .string(check.url))]
                if case .environment(let variable) = check.token { fields.append(YAMLEntry("bearer_token_env", .string(variable))) }
                fields.append(YAMLEntry("expect", .map([YAMLEntry("status", .int(response.status))])))
                var notes = ["answered \(response.status) in \(response.latencyMilliseconds) ms"]
                if !(200..<400).contains(response.status) {
                    notes.append("CONFIRM: \(response.status) is what this URL should answer (it is written as the expected status)")
                }
                items.append(YAMLItem(.map(fields), comments: notes))
            }
        }
        return DiscoveredSection(
            value: items.isEmpty ? nil : .list(items),
            comments: ["Health: each URL given, with the status it answered when discovered."],
            problems: problems)
    }

    /// The checks discover makes of the URLs, each named after its path (unique).
    static func discoveredChecks(_ request: DiscoveryRequest) -> [HealthCheckSpec] {
        var used: Set<String> = []
        return request.healthURLs.map { url in
            let path = URL(string: url)?.path ?? ""
            let words = path.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.lowercased() }
            let base = words.isEmpty ? "root" : words.joined(separator: "-")
            var name = base
            var counter = 2
            while !used.insert(name).inserted {
                name = "\(base)-\(counter)"
                counter += 1
            }
            return HealthCheckSpec(name: name, url: url, token: request.healthTokenEnv.map { .environment($0) })
        }
    }
}
