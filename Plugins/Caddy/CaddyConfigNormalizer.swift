import Foundation

/// Why a config could not be read as Caddy JSON.
public struct CaddyConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Turns Caddy's JSON config into a `CaddyRouteTable`. Pure: the same bytes always
/// give the same table, so it is unit-tested on JSON recorded from real `caddy adapt`
/// runs and used alike on the admin API's live config and on an adapted Caddyfile.
///
/// What it understands (the shapes the Caddyfile adapter produces):
/// - host matchers (site blocks) around a terminal `subroute`, and sites without hosts,
///   inlined or wrapped;
/// - path matchers, several paths in one matcher, several matcher sets (each an
///   alternative), nested matchers (the innermost path wins);
/// - `handle` groups (mutually exclusive) and plain routes (evaluated in order);
/// - `handle_path` (a subroute starting with `rewrite.strip_path_prefix`) and
///   `uri strip_prefix`, including paths matched after the strip (`/thumbs/*` inside
///   `handle_path /media/*` is `/media/thumbs/*`);
/// - `vars.root` (site level or inside a block, also path-scoped as `root /x/* DIR`)
///   followed by `file_server`, and `file_server`'s own `root`;
/// - `reverse_proxy` upstreams (`dial`), dynamic upstreams and the transport protocol;
/// - `php_fastcgi`: its responder answers the `*.php` requests of its scope, and the
///   routes the directive expands to before it (index redirect, `try_files`) are its
///   middleware;
/// - `forward_auth` (a `reverse_proxy` whose accepted answers write nothing): a gate
///   that passes the request on, not the route's responder (its upstream is not compared);
/// - `static_response` (`respond`, `redir`) and `error`.
///
/// Incidental details are dropped: `file_server.hide` (it names the Caddyfile),
/// generated server names (kept only to tell servers apart), `@id` tags, group names
/// (kept only as identities). Middleware other than `vars` and `rewrite` (headers,
/// encode, auth, …) is not compared. A rewrite to another URI (`rewrite /a /b`,
/// `try_files`) is not followed; a `try_files` the adapter split into routes of one
/// group (a file with a query) is one middleware again.
public enum CaddyConfigNormalizer {
    /// Handlers that pass the request on to the next one.
    static let middleware: Set<String> = [
        "vars", "rewrite", "headers", "encode", "request_body", "templates", "push", "map", "authentication",
        "copy_response_headers", "tracing", "log_append", "intercept",
        // Not a Caddy handler: the normaliser's name for the adapter's `try_files` route.
        "try_files",
    ]

    /// Whether a handler passes the request on to the next one: middleware, or a gate.
    static func passesOn(_ handler: JSONValue) -> Bool {
        middleware.contains(handler["handler"]?.string ?? "") || isGate(handler)
    }

    /// A `reverse_proxy` that only asks (`forward_auth`, or its expanded form): on the
    /// answer it accepts, its `handle_response` routes write nothing, so handling goes on
    /// to the next handler. It is a gate before the route's responder, never the
    /// responder, and its upstream is not the route's upstream.
    static func isGate(_ handler: JSONValue) -> Bool {
        guard handler["handler"]?.string == "reverse_proxy", let responses = handler["handle_response"]?.array else {
            return false
        }
        return responses.contains { response in
            (response["routes"]?.array ?? []).allSatisfy { route in
                (route["handle"]?.array ?? []).allSatisfy { middleware.contains($0["handler"]?.string ?? "") }
            }
        }
    }

    /// Normalises the JSON text of a whole config (`GET /config/` or `caddy adapt`).
    /// `null` (a Caddy with no config) is an empty table.
    public static func normalize(_ data: Data) throws(CaddyConfigError) -> CaddyRouteTable {
        let config: JSONValue
        do {
            config = try JSONValue.parse(data)
        } catch {
            let excerpt = String(decoding: data.prefix(80), as: UTF8.self)
            throw CaddyConfigError(message: "not JSON (\(error)): \(excerpt)")
        }
        if config == .null { return CaddyRouteTable() }
        guard config.object != nil else {
            throw CaddyConfigError(message: "the config is not a JSON object")
        }
        return try normalize(config: config)
    }

    /// A config of the wrong shape (`apps.http.servers` an array, a server a string,
    /// `routes` an object) is an error naming the key, never an empty table: an empty
    /// table would read as "no sites", and every desired route as missing.
    static func normalize(config: JSONValue) throws(CaddyConfigError) -> CaddyRouteTable {
        var servers = JSONObject()
        if let apps = try member(config, "apps", path: "", as: "an object"),
            let http = try member(apps, "http", path: "apps", as: "an object")
        {
            servers = try member(http, "servers", path: "apps.http", as: "an object")?.object ?? [:]
        }
        var table = CaddyRouteTable()
        for name in servers.keys.sorted(by: naturalOrder) {
            let server = servers[name]!
            let serverPath = "apps.http.servers.\(name)"
            guard server.object != nil else { throw shapeError(serverPath, server, expected: "an object") }
            let listenValues = try member(server, "listen", path: serverPath, as: "an array")?.array ?? []
            let listen = listenValues.compactMap(\.string)
            table.servers.append(CaddyServer(name: name, listen: listen))
            let base = "/config/apps/http/servers/\(name)/routes"
            var walker = Walker(server: name)
            let routes = try member(server, "routes", path: serverPath, as: "an array")?.array ?? []
            walker.walk(routes, listPath: base, state: WalkState(siteRoutesPath: base))
            table.routes.append(contentsOf: walker.entries)
        }
        return table
    }

    /// `object[key]` when present and of the expected kind (`null` counts as absent).
    private static func member(_ object: JSONValue, _ key: String, path: String, as expected: String)
        throws(CaddyConfigError) -> JSONValue?
    {
        guard let value = object[key], value != .null else { return nil }
        let fits = expected == "an array" ? value.array != nil : value.object != nil
        guard fits else { throw shapeError(path.isEmpty ? key : "\(path).\(key)", value, expected: expected) }
        return value
    }

    private static func shapeError(_ path: String, _ value: JSONValue, expected: String) -> CaddyConfigError {
        CaddyConfigError(message: "\(path) is \(value.kindName), expected \(expected): not the shape of a Caddy config")
    }

    /// `srv2` before `srv10`.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        func split(_ text: String) -> (String, Int?) {
            let digits = text.reversed().prefix { $0.isNumber }
            guard !digits.isEmpty, let number = Int(String(digits.reversed())) else { return (text, nil) }
            return (String(text.dropLast(digits.count)), number)
        }
        let (aStem, aNumber) = split(a)
        let (bStem, bNumber) = split(b)
        if aStem != bStem || aNumber == nil || bNumber == nil { return a < b }
        return aNumber! < bNumber!
    }

}

/// A middleware route limited to a path (`root /media/* DIR`, `uri /x/* strip_prefix /x`):
/// it changes the requests for that path only, for the routes after it.
struct ScopedMiddleware {
    var path: PathPattern
    var root: String?
    var rootSource: String?
    var strip: String?
    var stripSource: String?
}

/// Everything inherited from ancestors and earlier siblings while walking routes.
struct WalkState {
    var hosts: [String]?
    var path: PathPattern?
    var conditions: [String] = []
    /// The total prefix stripped so far; later path matchers see the stripped path.
    var strip = ""
    var stripSource: String?
    var root: String?
    var rootSource: String?
    var scoped: [ScopedMiddleware] = []
    var groups: [String] = []
    /// Middleware of the enclosing block that runs before what answers in it.
    var middleware: [CaddyMiddleware] = []
    /// Inside a route matched by a path or a condition (a `handle` block, a directive's
    /// matcher), not just a site's host matcher: there an unconditional middleware route
    /// belongs to the block's responders, at site level it is a route of its own.
    var inBlock = false
    var siteRoutesPath: String
    var routePath: String = ""

    init(siteRoutesPath: String) {
        self.siteRoutesPath = siteRoutesPath
    }

    /// Applies the strip and root of path-scoped middleware covering this state's path.
    mutating func apply(_ scoped: ScopedMiddleware) {
        if let strip = scoped.strip {
            self.strip += strip
            stripSource = scoped.stripSource
        }
        if let root = scoped.root {
            self.root = root
            rootSource = scoped.rootSource
        }
    }

    /// Applies a direct (unscoped) `vars` or `rewrite` handler.
    mutating func apply(middleware handler: JSONValue, at path: String) {
        switch handler["handler"]?.string {
        case "vars":
            if let root = handler["root"]?.string {
                self.root = root
                rootSource = path + "/root"
            }
        case "rewrite":
            if let prefix = handler["strip_path_prefix"]?.string, !prefix.isEmpty {
                strip += prefix.hasPrefix("/") ? prefix : "/" + prefix
                stripSource = path + "/strip_path_prefix"
            }
        default:
            break
        }
    }
}

/// One alternative of a route's matchers: one matcher set, one of its paths.
struct MatchAlternative {
    var hosts: [String]?
    var path: PathPattern?
    var conditions: [String]

    var isUnconditional: Bool { hosts == nil && path == nil && conditions.isEmpty }
}

/// The recursive walk over routes, collecting entries in evaluation order.
struct Walker {
    let server: String
    var entries: [CaddyRoute] = []
    /// Groups in which an unconditional member already matched every request.
    var fullyClaimedGroups: Set<String> = []

    init(server: String) {
        self.server = server
    }

    mutating func walk(_ routes: [JSONValue], listPath: String, state initial: WalkState) {
        var state = initial
        let php = CaddyMiddleware.phpParts(routes, at: listPath)
        let tryFilesGroups = CaddyMiddleware.tryFilesGroups(routes, at: listPath)
        for (index, route) in routes.enumerated() {
            guard route.object != nil, !php.parts.contains(index), !tryFilesGroups.rest.contains(index) else { continue }
            let routePath = "\(listPath)/\(index)"
            let group = route["group"]?.string.map { "\(listPath)#\($0)" }
            // Non-objects are kept (and skipped) so positions stay the JSON's own.
            let tryFiles = tryFilesGroups.first[index] ?? CaddyMiddleware.tryFiles(route, at: routePath)
            let handlers = tryFiles.map { [$0.json] } ?? route["handle"]?.array ?? []
            let terminal = route["terminal"]?.bool ?? false
            let passing = handlers.map(CaddyConfigNormalizer.passesOn)
            let allPass = !passing.contains(false)
            let alternatives: [MatchAlternative] =
                if tryFiles != nil {
                    [MatchAlternative(hosts: nil, path: nil, conditions: [])]
                } else if let php = CaddyMiddleware.phpCondition(route) {
                    [MatchAlternative(hosts: nil, path: nil, conditions: [php])]
                } else {
                    Self.alternatives(route["match"])
                }
            /// The route's own middleware (what a `.middleware` entry or a block inherits).
            func middleware(_ handler: JSONValue, at path: String) -> CaddyMiddleware? {
                tryFiles ?? CaddyMiddleware.from(handler, at: path)
            }

            for alternative in alternatives {
                guard var scope = narrow(state, by: alternative, routePath: routePath) else { continue }
                if let group { scope.groups.append(group) }
                if let parts = php.byResponder[index] { scope.middleware += parts }
                if alternative.hosts != nil,
                    let first = handlers.firstIndex(where: { $0["handler"]?.string == "subroute" })
                {
                    scope.siteRoutesPath = "\(routePath)/handle/\(first)/routes"
                }
                var answered = false
                var own: [CaddyMiddleware] = []
                let firstEntry = entries.count
                for (position, handler) in handlers.enumerated() where handler.object != nil {
                    let handlerPath = "\(routePath)/handle/\(position)"
                    let name = handler["handler"]?.string ?? "?"
                    if name == "subroute" {
                        walk(handler["routes"]?.array ?? [], listPath: handlerPath + "/routes", state: scope)
                    } else if passing[position] {
                        scope.apply(middleware: handler, at: handlerPath)
                        if let item = middleware(handler, at: handlerPath) {
                            scope.middleware.append(item)
                            own.append(item)
                        }
                    } else {
                        emit(
                            Self.handler(handler, state: scope), state: scope, handlerPath: handlerPath,
                            ownRoot: name == "file_server" && handler["root"]?.string != nil,
                            json: CaddyJSON.withoutGeneratedKeys(handler))
                        answered = true
                        break
                    }
                }
                // A route of middleware only is an entry of its own, unless it belongs to
                // the responders of its block (then they carry it).
                if !answered && !own.isEmpty && !(alternative.isUnconditional && state.inBlock) && allPass {
                    append(kind: .middleware, handler: .nothing, state: scope, handlerPath: routePath, middleware: own)
                }
                // Markers for what a route that did not answer itself still decides; not
                // needed when something inside already answers all of its requests.
                if !answered && !answersAll(scope, since: firstEntry) {
                    if terminal {
                        append(kind: .end, handler: .nothing, state: scope, handlerPath: routePath)
                    } else if let group, handlers.contains(where: { $0["handler"]?.string == "subroute" }) {
                        append(kind: .groupClaim(group), handler: .nothing, state: scope, handlerPath: routePath)
                    }
                }
            }

            // What later siblings inherit: unconditional middleware routes change every
            // later request; path-only middleware routes change the requests for that path.
            // In a group (`root /docs/* A` and `root * B` become one) the first matching
            // member wins: the path-scoped ones come first and the catch-all applies to
            // the rest, which is what scoped middleware over a base state expresses.
            guard allPass else { continue }
            if alternatives.count == 1, alternatives[0].isUnconditional {
                if let group {
                    guard fullyClaimedGroups.insert(group).inserted else { continue }
                }
                for (position, handler) in handlers.enumerated() {
                    let before = state.root
                    let handlerPath = "\(routePath)/handle/\(position)"
                    state.apply(middleware: handler, at: handlerPath)
                    if state.inBlock, let item = middleware(handler, at: handlerPath) { state.middleware.append(item) }
                    // A later catch-all root overrides earlier path-scoped roots (outside groups).
                    if group == nil && state.root != before {
                        state.scoped = state.scoped.compactMap { scoped in
                            var kept = scoped
                            kept.root = nil
                            kept.rootSource = nil
                            return kept.strip == nil ? nil : kept
                        }
                    }
                }
            } else if let group, fullyClaimedGroups.contains(group) {
                continue
            } else if alternatives.allSatisfy({ $0.hosts == nil && $0.conditions.isEmpty && $0.path != nil }) {
                var change = WalkState(siteRoutesPath: state.siteRoutesPath)
                for (position, handler) in handlers.enumerated() {
                    change.apply(middleware: handler, at: "\(routePath)/handle/\(position)")
                }
                guard change.root != nil || !change.strip.isEmpty else { continue }
                for alternative in alternatives {
                    guard let path = alternative.path else { continue }
                    state.scoped.append(
                        ScopedMiddleware(
                            path: path.prefixed(by: state.strip), root: change.root, rootSource: change.rootSource,
                            strip: change.strip.isEmpty ? nil : change.strip, stripSource: change.stripSource))
                }
            }
        }
    }

    /// True when an entry added since `index` answers every request `scope` matches.
    func answersAll(_ scope: WalkState, since index: Int) -> Bool {
        let path = scope.path ?? .any
        return entries[index...].contains { entry in
            entry.answers && entry.conditions == scope.conditions && entry.path.covers(path)
        }
    }

    /// The state inside a route for one matcher alternative; nil when it can never
    /// match (host sets that do not intersect).
    func narrow(_ state: WalkState, by alternative: MatchAlternative, routePath: String) -> WalkState? {
        var scope = state
        if let hosts = alternative.hosts {
            if let outer = state.hosts {
                let both = Set(outer).intersection(hosts)
                if !both.isEmpty {
                    scope.hosts = both.sorted()
                } else {
                    // A host matcher inside a wildcard site (`*.example.com` › `@foo host
                    // foo.example.com`): a condition of the wildcard site's route.
                    let inside = hosts.filter { host in outer.contains { Self.wildcard($0, matches: host) } }
                    guard !inside.isEmpty else { return nil }
                    scope.conditions.append(CaddyMatchers.condition("host", .array(inside.map { .string($0) })))
                    scope.routePath = routePath
                    scope.inBlock = true
                }
            } else {
                scope.hosts = hosts
            }
        }
        if let path = alternative.path {
            let effective = path.prefixed(by: state.strip)
            if let outer = state.path, effective.covers(outer) {
                scope.path = outer
            } else {
                scope.path = effective
            }
            scope.routePath = routePath
            scope.inBlock = true
        }
        if !alternative.conditions.isEmpty {
            scope.conditions += alternative.conditions
            scope.routePath = routePath
            scope.inBlock = true
        }
        if scope.routePath.isEmpty { scope.routePath = routePath }
        return scope
    }

    /// Caddy's host matcher: `*.example.com` matches one more label (`foo.example.com`,
    /// not `a.b.example.com`).
    static func wildcard(_ pattern: String, matches host: String) -> Bool {
        guard pattern.hasPrefix("*.") else { return pattern == host }
        let suffix = pattern.dropFirst()
        guard host.hasSuffix(suffix) else { return false }
        let label = host.dropLast(suffix.count)
        return !label.isEmpty && !label.contains(".") && !label.contains("*")
    }

    /// Adds a responder, preceded by any entries that path-scoped middleware derives
    /// from it (a `root /media/* DIR` before a catch-all `file_server` makes
    /// `/media/*` its own route).
    mutating func emit(_ handler: CaddyHandler, state: WalkState, handlerPath: String, ownRoot: Bool, json: JSONValue) {
        guard !state.scoped.isEmpty else {
            append(
                kind: .responder, handler: Self.withRoot(handler, state, ownRoot: ownRoot), state: state,
                handlerPath: handlerPath, ownRoot: ownRoot, middleware: state.middleware, json: json)
            return
        }
        var base = state
        for scoped in state.scoped {
            let path = base.path ?? .any
            if scoped.path.covers(path) {
                if let strip = scoped.strip { base.path = path.prefixed(by: strip) }
                base.apply(scoped)
            } else if path.covers(scoped.path) {
                var derived = base
                derived.path = scoped.path
                derived.apply(scoped)
                append(
                    kind: .responder, handler: Self.withRoot(handler, derived, ownRoot: ownRoot), state: derived,
                    handlerPath: handlerPath, ownRoot: ownRoot, middleware: derived.middleware, json: json)
            }
        }
        append(
            kind: .responder, handler: Self.withRoot(handler, base, ownRoot: ownRoot), state: base,
            handlerPath: handlerPath, ownRoot: ownRoot, middleware: base.middleware, json: json)
    }

    mutating func append(
        kind: CaddyRoute.Kind, handler: CaddyHandler, state: WalkState, handlerPath: String, ownRoot: Bool = false,
        middleware: [CaddyMiddleware] = [], json: JSONValue? = nil
    ) {
        let isFiles = if case .fileServer = handler { true } else { false }
        entries.append(
            CaddyRoute(
                CaddyRoute.Fields(
                    kind: kind, server: server, hosts: state.hosts ?? [], path: state.path ?? .any,
                    conditions: state.conditions, handler: handler,
                    stripPrefix: state.strip.isEmpty ? nil : state.strip, handlerJSONPath: handlerPath,
                    routeJSONPath: state.routePath,
                    rootJSONPath: isFiles ? (ownRoot ? handlerPath + "/root" : state.rootSource) : nil,
                    stripJSONPath: state.strip.isEmpty ? nil : state.stripSource,
                    siteRoutesJSONPath: state.siteRoutesPath, groups: state.groups, middleware: middleware,
                    handlerJSON: json)))
    }

    /// A `file_server` without its own root gets the root in effect.
    static func withRoot(_ handler: CaddyHandler, _ state: WalkState, ownRoot: Bool) -> CaddyHandler {
        guard case .fileServer(nil) = handler, !ownRoot else { return handler }
        return .fileServer(root: state.root)
    }

    static func handler(_ json: JSONValue, state: WalkState) -> CaddyHandler {
        switch json["handler"]?.string ?? "?" {
        case "reverse_proxy":
            var upstreams = Set((json["upstreams"]?.array ?? []).compactMap { $0["dial"]?.string })
            if let dynamic = json["dynamic_upstreams"], dynamic.object != nil {
                let source = dynamic["source"]?.string ?? "?"
                let name = dynamic["name"]?.string ?? dynamic["hosts"].map(\.canonicalText)
                upstreams.insert("dynamic \(source)" + (name.map { " \($0)" } ?? ""))
            }
            let transportJSON = json["transport"]
            var transport = transportJSON?["protocol"]?.string
            if transport == "http" { transport = transportJSON?["tls"] != nil ? "http+tls" : nil }
            return .reverseProxy(upstreams: upstreams.sorted(), transport: transport)
        case "file_server":
            return .fileServer(root: json["root"]?.string)
        case "static_response" where json["abort"]?.bool == true:
            return .abort
        case "static_response":
            let location = json["headers"]?["Location"]?.array?.first?.string
            let body = json["body"]?.string
            return .staticResponse(
                status: statusText(json["status_code"]) ?? "200", body: body?.isEmpty == true ? nil : body,
                location: location)
        case "error":
            return .error(status: statusText(json["status_code"]) ?? "500")
        case let other:
            return .other(other)
        }
    }

    static func statusText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        case .number(let text)?: text
        default: nil
        }
    }

    /// A route's `match` as alternatives: each matcher set is one; each path of a set's
    /// path matcher is one. No `match` is one unconditional alternative.
    static func alternatives(_ match: JSONValue?) -> [MatchAlternative] {
        guard let sets = match?.array, !sets.isEmpty else {
            return [MatchAlternative(hosts: nil, path: nil, conditions: [])]
        }
        var result: [MatchAlternative] = []
        for item in sets {
            guard let set = item.object else { continue }
            let hosts = set["host"]?.array?.compactMap { $0.string?.lowercased() }.sorted()
            let paths = set["path"]?.array?.compactMap(\.string) ?? []
            let conditions = set.keys.filter { $0 != "host" && $0 != "path" }.sorted().map { key in
                CaddyMatchers.condition(key, set[key]!)
            }
            if paths.isEmpty {
                result.append(MatchAlternative(hosts: hosts, path: nil, conditions: conditions))
            } else {
                for path in paths {
                    result.append(MatchAlternative(hosts: hosts, path: PathPattern(path), conditions: conditions))
                }
            }
        }
        return result.isEmpty ? [MatchAlternative(hosts: nil, path: nil, conditions: [])] : result
    }
}
