import CaddyChecker
import Foundation
import ReconcileKit

extension HealthChecker: ConsistencyChecking {
    static let unroutedPath = ConsistencyRule(
        "health-unrouted-path", .warning, "A health URL on a Caddy site whose desired routes do not answer its path.")
    public static let consistencyRules = [unroutedPath]

    /// A health URL whose host is one of the desired Caddy sites but whose path none of
    /// that site's routes answers: the check would fail (404) by construction. URLs
    /// that do not go through Caddy's sites, and Caddyfile routes, are not judged.
    public func consistency(of spec: HealthSpec, in desired: DesiredState) -> [ConsistencyProblem] {
        guard let caddy = desired.section(CaddySpec.self) else { return [] }
        return spec.checks.compactMap { check in
            guard let url = URL(string: check.url), let host = url.host, let site = caddy.site(for: host) else { return nil }
            let path = url.path.isEmpty ? "/" : url.path
            guard site.route(answering: path) == nil else { return nil }
            let hosts = site.hosts.isEmpty ? "any host" : site.hosts.joined(separator: ", ")
            return Self.unroutedPath.problem(
                "health check \(check.name): no desired Caddy route of the site for \(hosts) answers \(path)", at: check.position,
                related: [.init("the site's routes", at: site.position)])
        }
    }
}
