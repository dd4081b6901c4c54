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
    /// Adapted from a Caddyfile (else written in the manifest).
    var fromCaddyfile = false
}

/// A desired route. From the manifest the handler, its upstreams or root, the prefix
/// strip and the middleware it names are checked; from a Caddyfile everything is: what
/// the route model knows by meaning, the rest as normalised JSON (`whole`).
struct DesiredRoute: Sendable, Hashable {
    var path: PathPattern
    var conditions: [String]
    /// `.nothing` for a route of middleware only.
    var handler: CaddyHandler
    /// A route of middleware only (`rewrite /a /b`): paired with the live middleware routes.
    var middlewareOnly = false
    /// False when the manifest did not give a root (then any root is fine).
    var rootChecked: Bool
    /// The transport protocol is compared only for Caddyfile routes and `php_fastcgi`.
    var transportChecked: Bool
    var stripPrefix: String?
    var position: SourcePosition
    /// What the manifest says of the route's middleware (each compared by what it names).
    var expectations: [CaddyMiddlewareExpectation] = []
    /// From a Caddyfile: the responder's JSON and the middleware, compared whole.
    var whole: WholeRoute?

    var pairingKey: String {
        CaddyRoute.pairingKey(path: path, conditions: conditions, middlewareOnly: middlewareOnly)
    }
}

/// A Caddyfile route as JSON: nothing of it may differ unseen.
struct WholeRoute: Sendable, Hashable {
    var handler: JSONValue?
    var middleware: [CaddyMiddleware]
}

extension DesiredSite {
    /// The manifest's `sites:` in the comparison's terms.
    static func from(_ spec: CaddySiteSpec) -> DesiredSite {
        DesiredSite(
            hosts: spec.hosts, listen: spec.listen,
            routes: spec.routes.map { route in
                var handler = CaddyHandler.nothing
                var rootChecked = false
                var transportChecked = false
                var conditions = route.conditions
                switch route.handler {
                case .reverseProxy(let upstreams)?:
                    handler = .reverseProxy(upstreams: upstreams, transport: nil)
                case .phpFastcgi(let upstreams)?:
                    handler = .reverseProxy(upstreams: upstreams, transport: "fastcgi")
                    transportChecked = true
                    conditions.append(CaddySpecMatch.phpCondition)
                case .fileServer(let root)?:
                    handler = .fileServer(root: root)
                    rootChecked = root != nil
                case .respond(let status, let body)?:
                    handler = .staticResponse(status: status, body: body, location: nil)
                case .redir(let to, let status)?:
                    handler = .staticResponse(status: status, body: nil, location: to)
                case .abort?:
                    handler = .abort
                case .error(let status)?:
                    handler = .error(status: status)
                case nil:
                    break
                }
                return DesiredRoute(
                    path: route.path, conditions: conditions.sorted(), handler: handler,
                    middlewareOnly: route.handler == nil, rootChecked: rootChecked, transportChecked: transportChecked,
                    stripPrefix: route.stripPrefix, position: route.position, expectations: route.middleware)
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
            var keys: [String: Int] = [:]
            for (index, route) in view.enumerated() where route.hosts == site.hosts {
                switch route.kind {
                case .responder where analysis.shadower(of: index) == nil:
                    guard keys[route.pairingKey] == nil else { continue }
                    keys[route.pairingKey] = routes.count
                    routes.append(
                        DesiredRoute(
                            path: route.path, conditions: route.conditions, handler: route.handler, rootChecked: true,
                            transportChecked: true, stripPrefix: route.stripPrefix, position: position,
                            whole: WholeRoute(handler: route.handlerJSON, middleware: route.middleware)))
                case .middleware:
                    // Middleware routes of one path and conditions act as one (a site's
                    // `encode` and `header` are two JSON routes).
                    if let known = keys[route.pairingKey] {
                        routes[known].whole?.middleware += route.middleware
                        continue
                    }
                    keys[route.pairingKey] = routes.count
                    routes.append(
                        DesiredRoute(
                            path: route.path, conditions: route.conditions, handler: .nothing, middlewareOnly: true,
                            rootChecked: true, transportChecked: true, stripPrefix: route.stripPrefix, position: position,
                            whole: WholeRoute(handler: nil, middleware: route.middleware)))
                default:
                    continue
                }
            }
            return DesiredSite(
                hosts: site.hosts, listen: table.listen(of: site.server), routes: routes, position: position,
                fromCaddyfile: true)
        }
    }
}

/// Pairing and reachability within one view (the routes that apply to one site's
/// requests, in evaluation order), computed once per view.
struct ViewAnalysis {
    let view: [CaddyRoute]
    private var covers = CoverIndex()
    private var firstByKey: [String: Int] = [:]
    private var middlewareByKey: [String: [Int]] = [:]
    private var claims: [(group: String, path: PathPattern, index: Int)] = []

    init(_ view: [CaddyRoute]) {
        self.view = view
        for (index, route) in view.enumerated() {
            switch route.kind {
            case .responder:
                if route.isUnconditional { covers.add(route.path, at: index) }
                let key = route.pairingKey
                if firstByKey[key] == nil { firstByKey[key] = index }
            case .end:
                if route.isUnconditional { covers.add(route.path, at: index) }
            case .groupClaim(let group):
                if route.isUnconditional { claims.append((group, route.path, index)) }
            case .middleware:
                middlewareByKey[route.pairingKey, default: []].append(index)
            }
        }
    }

    /// The first answering route paired with `key` (path plus conditions).
    func route(forKey key: String) -> Int? { firstByKey[key] }

    /// The middleware routes paired with `key`, in order (they act as one).
    func middlewareRoutes(forKey key: String) -> [Int] { middlewareByKey[key] ?? [] }

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
