import ReconcileKit

/// A route's `match:` in the manifest: the matchers of a Caddyfile named matcher besides
/// the path, turned into the JSON Caddy's adapter writes for them, so they pair with the
/// live route's conditions (`@api { method GET; header X-Key abc }` and
/// `match: { method: [GET], header: { X-Key: abc } }` are one route).
enum CaddySpecMatch {
    static let protocols = ["http", "https", "grpc"]
    static let headerValues = ManifestShape.either([.string(.any), .list(.string(.any))])
    static let inner: [ManifestKey] = [
        .optional("host", .list(.string(.nonEmpty)), "Host names (inside a wildcard site: which of its hosts)."),
        .optional("method", .list(.string(.nonEmpty)), "HTTP methods (GET, POST, …)."),
        .optional("header", .dictionary(headerValues), "Request headers and their values (* for any value)."),
        .optional("path_regexp", .string(.nonEmpty), "A regular expression the path must match."),
        .optional("remote_ip", .list(.string(.nonEmpty)), "Client IP ranges (10.0.0.0/8, private_ranges)."),
        .optional("protocol", .string(.choice(protocols)), "http, https or grpc."),
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
    static func matcherSet(_ map: ManifestMapping, negated: Bool = false) throws -> [String: JSONValue] {
        var set: [String: JSONValue] = [:]
        if let hosts = try map.optional("host")?.stringList() {
            set["host"] = .array(hosts.map { .string($0.lowercased()) })
        }
        if let methods = try map.optional("method")?.stringList() {
            set["method"] = .array(methods.map { .string($0.uppercased()) })
        }
        if let headers = map.optional("header") {
            var fields: [String: JSONValue] = [:]
            for entry in try headers.entries() {
                let values = entry.value.isSequence ? try entry.value.stringList() : [try entry.value.string()]
                fields[canonicalHeader(entry.key)] = .array(values.map { .string($0) })
            }
            set["header"] = .object(fields)
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
