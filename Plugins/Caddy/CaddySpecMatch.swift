import ReconcileKit

/// A route's `match:` in the manifest: the matchers of a Caddyfile named matcher besides
/// the path, turned into the JSON Caddy's adapter writes for them, so they pair with the
/// live route's conditions (`@api { method GET; header X-Key abc }` and
/// `match: { method: [GET], header: { X-Key: abc } }` are one route). A CEL `expression`
/// is compared as its text: reconcile does not evaluate it, so a route behind one is
/// named by it exactly.
enum CaddySpecMatch {
    static let protocols = ["http", "https", "grpc"]
    static let headerValues = ManifestShape.either([.string(.any), .list(.string(.any))])
    static let inner: [ManifestKey] = [
        .optional("host", .list(.string(.nonEmpty)), "Host names (inside a wildcard site: which of its hosts)."),
        .optional("method", .list(.string(.nonEmpty)), "HTTP methods (GET, POST, …)."),
        .optional("header", .dictionary(headerValues), "Request headers and their values (* for any value)."),
        .optional("header_regexp", .dictionary(.string(.nonEmpty)), "Request headers and a regular expression each must match."),
        .optional("query", .dictionary(headerValues), "Query parameters and their values (* for any value)."),
        .optional("path_regexp", .string(.nonEmpty), "A regular expression the path must match."),
        .optional("remote_ip", .list(.string(.nonEmpty)), "Client IP ranges (10.0.0.0/8, private_ranges)."),
        .optional("protocol", .string(.choice(protocols)), "http, https or grpc."),
        .optional(
            "expression", .string(.nonEmpty),
            "A CEL expression (Caddy's expression matcher), compared as its text, placeholders as in the Caddyfile."),
    ]
    static let negated = ManifestObject(inner)
    static let object = ManifestObject(
        inner + [.optional("not", .object(negated), "Matchers that must not all hold.")])

    /// The condition of `php_fastcgi`'s responder: the route's `*.php` requests.
    static let phpCondition = CaddyMatchers.condition("path", .array([.string("*.php")]))

    /// The conditions a `match:` mapping stands for, sorted as the normaliser sorts them.
    static func conditions(_ node: ManifestNode) throws -> [String] {
        let map = try node.mapping(object)
        let set = try matcherSet(map)
        var result = set.map { CaddyMatchers.condition($0.key, $0.value) }
        if let not = map.optional("not") {
            guard !(try matcherSet(try not.mapping(negated), negated: true)).isEmpty else {
                throw not.error("not: needs at least one matcher")
            }
        }
        result.sort()
        if result.isEmpty { throw node.error("match: needs at least one matcher") }
        return result
    }

    /// The matchers of one set as Caddy's JSON.
    static func matcherSet(_ map: ManifestMapping, negated: Bool = false) throws -> JSONObject {
        var set = JSONObject()
        if let hosts = try map.optional("host")?.stringList() {
            set["host"] = .array(hosts.map { .string($0.lowercased()) })
        }
        if let methods = try map.optional("method")?.stringList() {
            set["method"] = .array(methods.map { .string($0.uppercased()) })
        }
        if let headers = map.optional("header") {
            set["header"] = try valueLists(headers, key: canonicalHeader)
        }
        if let headers = map.optional("header_regexp") {
            var fields = JSONObject()
            for entry in try headers.entries() {
                fields[canonicalHeader(entry.key)] = .object(["pattern": .string(try entry.value.string())])
            }
            set["header_regexp"] = .object(fields)
        }
        if let query = map.optional("query") {
            set["query"] = try valueLists(query, key: { $0 })
        }
        if let expression = try map.optional("expression")?.string() {
            set["expression"] = .string(expression)
        }
        if let regexp = try map.optional("path_regexp")?.string() {
            set["path_regexp"] = .object(["pattern": .string(regexp)])
        }
        if let ranges = try map.optional("remote_ip")?.stringList() {
            set["remote_ip"] = .object(["ranges": .array(ranges.map { .string($0) })])
        }
        if let proto = try map.optional("protocol")?.string() {
            set["protocol"] = .string(proto)
        }
        if !negated, let not = map.optional("not") {
            set["not"] = .array([.object(try matcherSet(try not.mapping(Self.negated), negated: true))])
        }
        return set
    }

    /// `{ name: value }` or `{ name: [values] }` as Caddy's `{"name": ["value"]}`.
    static func valueLists(_ node: ManifestNode, key: (String) -> String) throws -> JSONValue {
        var fields = JSONObject()
        for entry in try node.entries() {
            let values = entry.value.isList ? try entry.value.stringList() : [try entry.value.string()]
            fields[key(entry.key)] = .array(values.map { .string($0) })
        }
        return .object(fields)
    }

    /// A header name as Go's `textproto` canonicalises it (Caddy's adapter does): `x-key`
    /// → `X-Key`.
    static func canonicalHeader(_ name: String) -> String {
        var result = ""
        var upper = true
        for character in name {
            result += upper ? character.uppercased() : character.lowercased()
            upper = character == "-"
        }
        return result
    }
}
