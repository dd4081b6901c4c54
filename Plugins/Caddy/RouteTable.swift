import Synchronization

/// What answers a request on a route, reduced to what reconcile compares.
///
/// Caddy's JSON has many ways to say the same thing (a `handle` block, `handle_path`,
/// a plain directive); the normaliser boils them down to this, so a manifest saying
/// "`/api/*` goes to 127.0.0.1:8000" compares equal to any of them.
public enum CaddyHandler: Sendable, Hashable {
    /// `reverse_proxy`: the upstreams' dial addresses (sorted, unique) and the transport
    /// protocol when it is not plain HTTP (`fastcgi` for `php_fastcgi`).
    case reverseProxy(upstreams: [String], transport: String?)
    /// `file_server`, with the root in effect (`file_server`'s own, else `vars.root`);
    /// nil when none is set (Caddy then serves its working directory).
    case fileServer(root: String?)
    /// `respond`, `redir`: a fixed status, body and Location.
    case staticResponse(status: String, body: String?, location: String?)
    /// `error`: an error with this status.
    case error(status: String)
    /// `abort`: the connection is closed without a response (not `respond`: a client
    /// sees no status at all).
    case abort
    /// Any other terminal handler, by its name.
    case other(String)
    /// A terminal route (a site block) was reached and nothing in it answered: Caddy
    /// then sends an empty `200 OK`.
    case nothing

    /// The handler's name as Caddy's JSON spells it.
    public var name: String {
        switch self {
        case .reverseProxy: "reverse_proxy"
        case .fileServer: "file_server"
        case .staticResponse: "static_response"
        case .error: "error"
        case .abort: "abort"
        case .other(let name): name
        case .nothing: "nothing"
        }
    }
}

/// One way a request can be answered in the live (or adapted) config: a flattened
/// route with everything that decides who answers and how.
///
/// Caddy's routes nest (site → handle group → subroute → directive); this is one leaf
/// with the conditions of all its ancestors folded in, in evaluation order, so "which
/// route answers `/media/x`" is "the first entry whose hosts and path match".
public struct CaddyRoute: Sendable, Hashable {
    /// Why the entry is in the table.
    public enum Kind: Sendable, Hashable {
        /// A handler that answers the request.
        case responder
        /// The end of a terminal route (a site block): nothing after it is reached for
        /// these hosts and paths. Its handler is `.nothing`.
        case end
        /// A `handle` block (a route in a mutually exclusive group) that matched but
        /// did not answer: later blocks of the same group are skipped.
        case groupClaim(String)
        /// A route of middleware only (`rewrite /a /b`, `header /static/* …`, a site-wide
        /// `encode`): it answers nothing, its requests go on to the routes after it. Its
        /// handler is `.nothing`; what it does is in `middleware`.
        case middleware
    }

    /// The stored values of the properties below.
    struct Fields: Sendable, Hashable {
        var kind: Kind
        var server: String
        var hosts: [String]
        var path: PathPattern
        var conditions: [String]
        var handler: CaddyHandler
        var stripPrefix: String?
        var handlerJSONPath: String
        var routeJSONPath: String
        var rootJSONPath: String?
        var stripJSONPath: String?
        var siteRoutesJSONPath: String
        var groups: [String]
        var middleware: [CaddyMiddleware] = []
        var handlerJSON: JSONValue?
    }

    /// The fields behind one reference: views, pairings and findings copy routes by the
    /// thousand, and copying twenty counted references (strings, arrays) each time cost
    /// more than the comparison itself.
    private final class Storage: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private let storage: Storage

    init(_ fields: Fields) { storage = Storage(fields) }

    public var kind: Kind { storage.fields.kind }
    /// The generated server name (`srv0`): only used to tell servers apart.
    public var server: String { storage.fields.server }
    /// Host matcher values, lower-cased and sorted; empty means any host.
    public var hosts: [String] { storage.fields.hosts }
    /// The path in the original request's terms (after folding in `handle_path`
    /// prefixes); `.any` for routes without a path matcher.
    public var path: PathPattern { storage.fields.path }
    /// Every other matcher (`method`, `header`, `not`, …) as canonical text: a route
    /// with conditions does not answer every request for its path.
    public var conditions: [String] { storage.fields.conditions }
    public var handler: CaddyHandler { storage.fields.handler }
    /// The prefix stripped from the path before the handler sees it (`handle_path`,
    /// `uri strip_prefix`), or nil.
    public var stripPrefix: String? { storage.fields.stripPrefix }
    /// Admin API paths (`/config/apps/http/…`) of the parts a fix would touch.
    public var handlerJSONPath: String { storage.fields.handlerJSONPath }
    public var routeJSONPath: String { storage.fields.routeJSONPath }
    public var rootJSONPath: String? { storage.fields.rootJSONPath }
    public var stripJSONPath: String? { storage.fields.stripJSONPath }
    /// The route list of the site this entry belongs to (where a missing route would
    /// be added).
    public var siteRoutesJSONPath: String { storage.fields.siteRoutesJSONPath }
    /// Identities of the mutually exclusive groups this entry is inside.
    public var groups: [String] { storage.fields.groups }
    /// The middleware that runs before the handler inside the route's own block (for a
    /// `.middleware` entry: the route's own middleware), in order.
    public var middleware: [CaddyMiddleware] { storage.fields.middleware }
    /// The responder's JSON as configured (compared whole for a Caddyfile desired state).
    var handlerJSON: JSONValue? { storage.fields.handlerJSON }

    public static func == (left: CaddyRoute, right: CaddyRoute) -> Bool {
        left.storage === right.storage || left.storage.fields == right.storage.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.fields)
    }

    /// True for entries that decide who answers (a responder or the end of a site block);
    /// false for markers and middleware.
    public var answers: Bool {
        switch kind {
        case .responder, .end: true
        case .groupClaim, .middleware: false
        }
    }

    /// The text the route is paired by: its path key plus its conditions (middleware
    /// routes apart from responders: `rewrite /a /b` and `respond /a` are two routes).
    var pairingKey: String {
        CaddyRoute.pairingKey(path: path, conditions: conditions, middlewareOnly: kind == .middleware)
    }

    static func pairingKey(path: PathPattern, conditions: [String], middlewareOnly: Bool) -> String {
        let key = conditions.isEmpty ? path.key : path.key + " " + conditions.joined(separator: " ")
        return middlewareOnly ? "middleware " + key : key
    }

    /// True when the entry answers every request for its hosts and path.
    var isUnconditional: Bool { conditions.isEmpty }
}

/// One HTTP server of the config (`apps.http.servers.srv0`): its name and addresses.
public struct CaddyServer: Sendable, Hashable {
    public var name: String
    public var listen: [String]
}

/// A site as reconcile pairs it: a server plus a host set (empty = any host).
public struct CaddySite: Sendable, Hashable {
    public var server: String
    public var hosts: [String]
}

/// Caddy's config flattened into routes in evaluation order, per server: the
/// normaliser's output and the comparison's input.
public struct CaddyRouteTable: Sendable, Hashable {
    public var servers: [CaddyServer] {
        didSet { analyses = SiteAnalyses() }
    }
    /// All servers' entries, each server's in evaluation order.
    public var routes: [CaddyRoute] {
        didSet { analyses = SiteAnalyses() }
    }
    /// Each site's view and analysis, made on first use: the comparison, the unmanaged
    /// routes and the plan all read them (three filters and indexes of 1,000 routes each).
    private var analyses = SiteAnalyses()

    public init(servers: [CaddyServer] = [], routes: [CaddyRoute] = []) {
        self.servers = servers
        self.routes = routes
    }

    public static func == (left: CaddyRouteTable, right: CaddyRouteTable) -> Bool {
        left.servers == right.servers && left.routes == right.routes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(servers)
        hasher.combine(routes)
    }

    /// The view of `site` (``view(server:hosts:)``) with its index, made once per table.
    func analysis(of site: CaddySite) -> ViewAnalysis {
        analyses.value(for: site) { ViewAnalysis(view(server: site.server, hosts: site.hosts)) }
    }

    /// Sites in order of first appearance: each distinct (server, hosts) that has a
    /// handler answering something, or middleware (a site of rewrites only is a site).
    public var sites: [CaddySite] {
        var seen: Set<CaddySite> = []
        var result: [CaddySite] = []
        for route in routes where route.kind == .responder || route.kind == .middleware {
            let site = CaddySite(server: route.server, hosts: route.hosts)
            if seen.insert(site).inserted { result.append(site) }
        }
        return result
    }

    /// The listen addresses of a server.
    public func listen(of server: String) -> [String] {
        servers.first { $0.name == server }?.listen ?? []
    }

    /// The entries that apply to requests for `hosts` on `server`, in evaluation order:
    /// routes for those hosts (or a superset) and routes for any host.
    public func view(server: String, hosts: [String]) -> [CaddyRoute] {
        let wanted = Set(hosts)
        return routes.filter { route in
            route.server == server && (route.hosts.isEmpty || (!wanted.isEmpty && wanted.isSubset(of: route.hosts)))
        }
    }
}

/// The memo behind ``CaddyRouteTable/analysis(of:)``: a reference, so a table passed
/// by value (observation, comparison, plan) shares it; replaced when the table changes.
private final class SiteAnalyses: Sendable {
    private let made = Mutex<[CaddySite: ViewAnalysis]>([:])

    func value(for site: CaddySite, make: () -> ViewAnalysis) -> ViewAnalysis {
        if let known = made.withLock({ $0[site] }) { return known }
        let analysis = make()
        made.withLock { $0[site] = analysis }
        return analysis
    }
}
