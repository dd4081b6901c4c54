import ReconcileKit

/// One route of a site: a path (plus, optionally, the other matchers of a named
/// matcher), what must answer it, and the middleware it must run.
///
/// It mirrors a route of the normalised table, so `reconcile discover` can write every
/// shape the comparison reads: a responder (`reverse_proxy`, `php_fastcgi`,
/// `file_server`, `respond`, `redir`, `abort`, `error`) with the middleware of its own block, or
/// middleware alone (`rewrite /old /new`, `header /static/* …`, a site-wide `encode`),
/// which is then a route of its own, paired with the live middleware routes of the same
/// path and matchers. Only what is written is compared.
public struct CaddyRouteSpec: Sendable, Hashable {
    /// What must answer the route's requests.
    public enum Handler: Sendable, Hashable {
        /// `reverse_proxy`: upstreams normalised to Caddy's dial form (`host:port`).
        case reverseProxy([String])
        /// `php_fastcgi`: a FastCGI `reverse_proxy` answering the route's `*.php`
        /// requests (after its `try_files` rewrite), not a plain proxy.
        case phpFastcgi([String])
        /// `file_server`; the root is checked only when given.
        case fileServer(root: String?)
        /// `respond`: a fixed status and body.
        case respond(status: String, body: String?)
        /// `redir`: a redirect to `to` with this status.
        case redir(to: String, status: String)
        /// `abort`: the connection is closed without an answer.
        case abort
        /// `error`: an error with this status, for the site's `handle_errors` to answer.
        case error(status: String)
    }

    public var path: PathPattern
    /// Matchers besides the path, as the normaliser spells them (`method ["GET"]`).
    public var conditions: [String]
    /// nil: a route of middleware only.
    public var handler: Handler?
    /// The prefix that must be stripped (`handle_path` semantics), or nil for none.
    public var stripPrefix: String?
    /// The middleware the route must run, each compared by what it names.
    public var middleware: [CaddyMiddlewareExpectation]
    public var position: SourcePosition

    static let responders = ["reverse_proxy", "php_fastcgi", "file_server", "respond", "redir", "abort", "error"]
    static let upstreams = ManifestShape.list(.string(.nonEmpty))
    static let fileServer = ManifestObject([.optional("root", .string(.nonEmpty), "The directory served.")])
    static let respond = ManifestObject([
        .optional("status", .integer(100...999), "The status (default 200)."),
        .optional("body", .string(.any), "The body."),
    ])
    static let redir = ManifestObject([
        .required("to", .string(.nonEmpty), "Where to: a path or URL, placeholders as in the Caddyfile ({uri})."),
        .optional("status", .integer(300...399), "The status (default 302, as Caddy's)."),
    ])
    static let error = ManifestObject([.optional("status", .integer(100...999), "The status (default 500, as Caddy's).")])
    static let object = ManifestObject(
        [
            .required(
                "path", .string(.pattern("[/*]\\S*", hint: "a Caddy path pattern (it starts with / or *, as in /api/*)")),
                "The path matcher, as in /api/* (a trailing * matches everything below)."),
            .optional("match", .object(CaddySpecMatch.object), "More matchers, all of which must hold (a named matcher)."),
            .optional("reverse_proxy", upstreams, "Upstreams: host:port, http://host:port or unix//path."),
            .optional("php_fastcgi", upstreams, "PHP-FPM upstreams: the route's *.php requests go there over FastCGI."),
            .optional("file_server", .object(fileServer), "Serve files; the root is compared only when given."),
            .optional("respond", .object(respond), "Answer with a fixed status and body."),
            .optional("redir", .object(redir), "Redirect."),
            .optional("abort", .boolean, "true: close the connection without an answer (not respond)."),
            .optional("error", .object(error), "Raise an error with this status (the site's handle_errors answers it)."),
            .optional(
                "strip_prefix", .either([.boolean, .string(.pattern("/[^*]*", hint: "true, false or a path prefix such as /media"))]),
                "Strip the path's prefix before handling (handle_path semantics), or this prefix."),
        ] + CaddyMiddlewareExpectation.keys,
        exclusive: [
            ExclusiveKeys(
                responders, conflict: "a route has one handler: give one of " + responders.joined(separator: ", "),
                missing: "a route needs what answers it (one of \(responders.joined(separator: ", "))) or middleware "
                    + "(\(CaddyMiddlewareExpectation.keys.map(\.name).joined(separator: ", ")))",
                satisfiedBy: CaddyMiddlewareExpectation.keys.map(\.name))
        ])

    public init(
        path: String, conditions: [String] = [], handler: Handler?, stripPrefix: String? = nil,
        middleware: [CaddyMiddlewareExpectation] = [], position: SourcePosition
    ) {
        self.path = PathPattern(path)
        self.conditions = conditions.sorted()
        self.handler = handler
        self.stripPrefix = stripPrefix
        self.middleware = middleware
        self.position = position
    }

    /// What the route is paired by within its site (as `CaddyRoute.pairingKey`):
    /// `php_fastcgi` answers only the route's `*.php` requests, so it and a `file_server`
    /// of the same path are two routes (as `php_fastcgi` and `file_server` in one block).
    var pairingKey: String {
        var all = conditions
        if case .phpFastcgi? = handler { all = (all + [CaddySpecMatch.phpCondition]).sorted() }
        return CaddyRoute.pairingKey(path: path, conditions: all, middlewareOnly: handler == nil)
    }

    init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        position = node.position
        path = PathPattern(try map.required("path").string())
        conditions = try map.optional("match").map(CaddySpecMatch.conditions) ?? []
        middleware = try CaddyMiddlewareExpectation.decode(map)
        handler = try Self.handler(map)
        stripPrefix = try Self.strip(map.optional("strip_prefix"), path: path)
    }

    static func handler(_ map: ManifestMapping) throws -> Handler? {
        if let node = map.optional("reverse_proxy") {
            return .reverseProxy(try upstreamList(node, "reverse_proxy"))
        }
        if let node = map.optional("php_fastcgi") {
            return .phpFastcgi(try upstreamList(node, "php_fastcgi"))
        }
        if let node = map.optional("file_server") {
            return .fileServer(root: try node.mapping(fileServer).optional("root")?.string())
        }
        if let node = map.optional("respond") {
            let fields = try node.mapping(respond)
            return .respond(
                status: String(try fields.optional("status")?.int() ?? 200), body: try fields.optional("body")?.string())
        }
        if let node = map.optional("redir") {
            let fields = try node.mapping(redir)
            return .redir(to: try fields.required("to").string(), status: String(try fields.optional("status")?.int() ?? 302))
        }
        if let node = map.optional("error") {
            return .error(status: String(try node.mapping(error).optional("status")?.int() ?? 500))
        }
        if let node = map.optional("abort") {
            guard try node.bool() else { throw node.error("abort: false is no handler; drop the key") }
            return .abort
        }
        return nil
    }

    static func upstreamList(_ node: ManifestNode, _ key: String) throws -> [String] {
        let items = try node.list()
        guard !items.isEmpty else { throw node.error("\(key) needs at least one upstream") }
        return Array(Set(try items.map { try upstream($0) })).sorted()
    }

    static func strip(_ node: ManifestNode?, path: PathPattern) throws -> String? {
        guard let node else { return nil }
        if let strip = try? node.bool() {
            guard strip else { return nil }
            guard let prefix = path.strippablePrefix else {
                throw node.error("strip_prefix: true strips the path's prefix, but \(path) has none; use a path like /media/*")
            }
            return prefix
        }
        var prefix = try node.string()
        while prefix.count > 1 && prefix.hasSuffix("/") { prefix.removeLast() }
        return prefix
    }

    /// An upstream as Caddy's `dial` spells it: scheme dropped, the scheme's default
    /// port added (`http://app` → `app:80`), `unix//path` kept.
    static func upstream(_ node: ManifestNode) throws -> String {
        let text = try node.nonEmptyString()
        if let dial = dialAddress(text) { return dial }
        throw node.error(
            "'\(text)' is not an upstream address; write host:port (127.0.0.1:8000), http://host:port or unix//path")
    }

    static func dialAddress(_ text: String) -> String? {
        var rest = text.trimmingCharacters(in: .whitespaces)
        guard !rest.isEmpty, !rest.contains(" ") else { return nil }
        if rest.hasPrefix("unix/") { return rest }
        var defaultPort = "80"
        if let range = rest.range(of: "://") {
            switch rest[..<range.lowerBound].lowercased() {
            case "http", "h2c": defaultPort = "80"
            case "https": defaultPort = "443"
            default: return nil
            }
            rest = String(rest[range.upperBound...])
            while rest.hasSuffix("/") { rest.removeLast() }
        }
        guard !rest.isEmpty, !rest.contains("/") else { return nil }
        if rest.hasPrefix("[") ? rest.contains("]:") : rest.contains(":") {
            guard let port = rest.split(separator: ":").last, Int(port).map({ (1...65535).contains($0) }) == true
            else { return nil }
            return rest.lowercased()
        }
        return rest.lowercased() + ":" + defaultPort
    }
}
