import ReconcileKit

extension CaddyChecker: ConsistencyChecking {
    static let unreachableRoute = ConsistencyRule(
        "caddy-unreachable-route", .warning, "A route no request reaches: an earlier, broader route of the same site answers first.")
    public static let consistencyRules = [ConsistencyRule.referencedFileMissing, unreachableRoute]

    public func consistency(of spec: CaddySpec, in desired: DesiredState) -> [ConsistencyProblem] {
        switch spec.desired {
        case .caddyfile(let path, let position):
            return desired.missingFile(path, namedBy: "caddy.caddyfile", at: position).map { [$0] } ?? []
        case .sites(let sites):
            return sites.flatMap(Self.unreachable)
        }
    }

    /// Routes of `site` shadowed by an earlier route that covers every path they match.
    static func unreachable(in site: CaddySiteSpec) -> [ConsistencyProblem] {
        site.routes.enumerated().compactMap { index, route in
            guard route.handler != nil,
                let earlier = site.routes[..<index].first(where: { $0.answersAll && $0.path.covers(route.path) })
            else { return nil }
            return unreachableRoute.problem(
                "route \(route.path) can never be reached: \(earlier.path), earlier in the same site, answers every request it matches; move it above",
                at: route.position, related: [.init("route \(earlier.path)", at: earlier.position)])
        }
    }
}

extension CaddySpec {
    /// The sites written out in the manifest; nil when the routes come from a Caddyfile
    /// (known only once `caddy adapt` ran).
    public var writtenSites: [CaddySiteSpec]? {
        if case .sites(let sites) = desired { return sites }
        return nil
    }

    /// The site Caddy picks for requests to `host`: one naming it, else one for any host.
    public func site(for host: String) -> CaddySiteSpec? {
        let host = host.lowercased()
        let sites = writtenSites ?? []
        return sites.first { site in
            site.hosts.contains { $0 == host || ($0.hasPrefix("*.") && host.hasSuffix($0.dropFirst())) }
        } ?? sites.first { $0.hosts.isEmpty }
    }
}

extension CaddySiteSpec {
    /// The first route (in the order Caddy tries them) that answers a request for `path`.
    public func route(answering path: String) -> CaddyRouteSpec? {
        let request = PathPattern(path)
        return routes.first { $0.answersAll && $0.path.covers(request) }
    }
}

extension CaddyRouteSpec {
    /// True when the route answers every request for its path: it has a responder and
    /// no matcher besides the path (`php_fastcgi` answers only the `*.php` ones).
    var answersAll: Bool {
        if case .phpFastcgi? = handler { return false }
        return handler != nil && conditions.isEmpty
    }
}
