import ReconcileKit

/// A desired site, whether written in the manifest or adapted from a Caddyfile: the
/// comparison treats both alike.
struct DesiredSite: Sendable, Hashable {
    /// Lower-cased and sorted; empty = any host.
    var hosts: [String]
    /// The server's listen addresses when known (from a Caddyfile), to tell apart sites
    /// with the same hosts on different ports.
    var listen: [String]?
    var routes: [DesiredRoute]
    var position: SourcePosition
}

/// A desired route. From the manifest only the handler, its upstreams or root and the
/// prefix strip are checked; from a Caddyfile everything the normaliser keeps is.
struct DesiredRoute: Sendable, Hashable {
    var path: PathPattern
    var conditions: [String]
    var handler: CaddyHandler
    /// False when the manifest did not give a root (then any root is fine).
    var rootChecked: Bool
    /// The transport protocol is compared only for Caddyfile routes.
    var transportChecked: Bool
    var stripPrefix: String?
    var position: SourcePosition

    var pairingKey: String {
        conditions.isEmpty ? path.key : path.key + " " + conditions.joined(separator: " ")
    }
}

extension DesiredSite {
    /// The manifest's `sites:` in the comparison's terms.
    static func from(_ spec: CaddySiteSpec) -> DesiredSite {
        DesiredSite(
            hosts: spec.hosts, listen: nil,
            routes: spec.routes.map { route in
                let handler: CaddyHandler
                let rootChecked: Bool
                switch route.handler {
                case .reverseProxy(let upstreams):
                    handler = .reverseProxy(upstreams: upstreams, transport: nil)
                    rootChecked = false
                case .fileServer(let root):
                    handler = .fileServer(root: root)
                    rootChecked = root != nil
                }
                return DesiredRoute(
                    path: route.path, conditions: [], handler: handler, rootChecked: rootChecked,
                    transportChecked: false, stripPrefix: route.stripPrefix, position: route.position)
            },
            position: spec.position)
    }

    /// The sites of an adapted Caddyfile: every reachable answering route of each
    /// (server, hosts), positioned at the manifest's `caddyfile:` key (Caddy's JSON
    /// keeps no Caddyfile line numbers).
    static func from(_ table: CaddyRouteTable, position: SourcePosition) -> [DesiredSite] {
        table.sites.map { site in
            let analysis = table.analysis(of: site)
            let view = analysis.view
            var routes: [DesiredRoute] = []
            var keys: Set<String> = []
            for (index, route) in view.enumerated()
            where route.kind == .responder && route.hosts == site.hosts && analysis.shadower(of: index) == nil {
                guard keys.insert(route.pairingKey).inserted else { continue }
                routes.append(
                    DesiredRoute(
                        path: route.path, conditions: route.conditions, handler: route.handler, rootChecked: true,
                        transportChecked: true, stripPrefix: route.stripPrefix, position: position))
            }
            return DesiredSite(
                hosts: site.hosts, listen: table.listen(of: site.server), routes: routes, position: position)
        }
    }
}

/// Pairing and reachability within one view (the routes that apply to one site's
/// requests, in evaluation order), computed once per view.
struct ViewAnalysis {
    let view: [CaddyRoute]
    private var covers = CoverIndex()
    private var firstByKey: [String: Int] = [:]
    private var claims: [(group: String, path: PathPattern, index: Int)] = []

    init(_ view: [CaddyRoute]) {
        self.view = view
        for (index, route) in view.enumerated() {
            switch route.kind {
            case .responder:
                if route.isUnconditional { covers.add(route.path, at: index) }
                if firstByKey[route.pairingKey] == nil { firstByKey[route.pairingKey] = index }
            case .end:
                if route.isUnconditional { covers.add(route.path, at: index) }
            case .groupClaim(let group):
                if route.isUnconditional { claims.append((group, route.path, index)) }
            }
        }
    }

    /// The first answering route paired with `key` (path plus conditions).
    func route(forKey key: String) -> Int? { firstByKey[key] }

    /// The earlier route that answers every request the route at `index` could match,
    /// if any: then that route can never be reached.
    func shadower(of index: Int) -> Int? {
        let route = view[index]
        var best = covers.earliestCovering(route.path, before: index)
        for claim in claims where claim.index < index && route.groups.contains(claim.group) {
            if claim.path.covers(route.path), best.map({ claim.index < $0 }) ?? true { best = claim.index }
        }
        return best
    }

    /// The route that answers requests for `path` (the first covering one), if any.
    func answering(_ path: PathPattern) -> Int? {
        covers.earliestCovering(path, before: view.count)
    }
}
