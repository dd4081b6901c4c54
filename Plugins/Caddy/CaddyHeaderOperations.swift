/// The response-header operations of a route's `header` directives, keyed as the
/// Caddyfile spells them and as the manifest's `header:` keys do: `Name` sets, `+Name`
/// adds, `-Name` deletes, `?Name` sets only when the response has no such header.
///
/// Caddy keeps them in `headers` handlers (one per directive; a `?Name` one of its own,
/// with a `require` that the header is absent). Read back into these keys, every
/// operation the manifest can say is compared and written by discover; what it cannot
/// say (request headers, `replace`, `defer` without a delete, another `require`) is
/// named, so no live operation is passed over in silence (found by review: a discovered
/// `header:` kept only the first handler's `set`, and deletes, adds and defaults were
/// neither written nor compared).
struct CaddyHeaderOperations: Equatable {
    /// Each operation's key (`+Link`, the name canonical) and value (several values joined
    /// by ", ", as the manifest writes one string; empty for a delete).
    private(set) var values: [String: String] = [:]
    /// The admin-API path of the live handler field holding each key.
    private(set) var paths: [String: String] = [:]
    /// What the manifest cannot say, as text naming the live JSON.
    private(set) var unsayable: [String] = []

    /// The operation prefixes of a key, as the Caddyfile's `header` directive reads them.
    static let prefixes: Set<Character> = ["+", "-", "?"]

    /// The operations of the `header` middleware among `middleware`, in the order Caddy
    /// runs them (a later `set` of a name replaces an earlier one; adds accumulate).
    init(_ middleware: [CaddyMiddleware]) {
        for item in middleware where item.name == "header" { read(item) }
    }

    /// The key as compared: its prefix, then the header name canonical (`-server` → `-Server`).
    static func canonicalKey(_ key: String) -> String {
        guard let first = key.first, prefixes.contains(first) else { return CaddySpecMatch.canonicalHeader(key) }
        return String(first) + CaddySpecMatch.canonicalHeader(String(key.dropFirst()))
    }

    /// The header a key operates on (`+Link` → `Link`).
    static func name(ofKey key: String) -> String {
        guard let first = key.first, prefixes.contains(first) else { return key }
        return String(key.dropFirst())
    }

    /// The operations of `values` on `name`, as the Caddyfile spells them
    /// (`?Cache-Control "no-cache"`, `-Server`), or nil when there is none.
    static func spelled(_ values: [String: String], of name: String) -> String? {
        let keys = values.keys.filter { self.name(ofKey: $0) == name }.sorted()
        guard !keys.isEmpty else { return nil }
        return keys.map { caddyfileLine($0, values[$0]!) }.joined(separator: "; ")
    }

    /// One operation as a line of a `header` block (and, after `header `, a directive).
    static func caddyfileLine(_ key: String, _ value: String) -> String {
        key.hasPrefix("-") ? key : "\(key) " + (value.isEmpty ? "\"\"" : CaddyText.quoted(value))
    }

    /// The keys whose header the manifest does not name, as the Caddyfile spells them.
    func unnamed(_ named: Set<String>) -> [String] {
        let names = Set(values.keys.map(Self.name(ofKey:))).subtracting(named)
        return names.sorted().compactMap { Self.spelled(values, of: $0) }
    }

    private mutating func read(_ item: CaddyMiddleware) {
        let path = item.jsonPath
        if let request = item.json["request"]?.object, !request.isEmpty {
            unsayable.append("request_header \(CaddyText.excerpt(JSONValue.object(request).canonicalText, limit: 120)) (\(path)/request)")
        }
        guard var response = item.json["response"]?.object else { return }
        let require = response["require"]
        let deferred = response["deferred"]?.bool == true
        response["require"] = nil
        response["deferred"] = nil
        let set = response["set"]?.object ?? [:]
        let add = response["add"]?.object ?? [:]
        let delete = (response["delete"]?.array ?? []).compactMap(\.string)
        if let replace = response["replace"]?.object, !replace.isEmpty {
            let names = replace.map(\.key).sorted().joined(separator: ", ")
            unsayable.append("header replace in \(names) (\(path)/response/replace)")
        }
        for (key, _) in response where !["set", "add", "delete", "replace"].contains(key) {
            unsayable.append("header \(key) (\(path)/response/\(key))")
        }
        if let require {
            guard let name = Self.absenceRequired(require), set.count == 1, let only = Array(set).first,
                CaddySpecMatch.canonicalHeader(only.key) == name, add.isEmpty, delete.isEmpty
            else {
                unsayable.append(
                    "header only for responses matching \(CaddyText.excerpt(require.canonicalText, limit: 80)) (\(path)/response)")
                return
            }
            record("?" + name, Self.joined(only.value), at: path + "/response")
            return
        }
        if deferred && delete.isEmpty {
            unsayable.append("header defer (\(path)/response/deferred)")
        }
        for (key, value) in set { record(CaddySpecMatch.canonicalHeader(key), Self.joined(value), at: path + "/response/set") }
        for (key, value) in add {
            let key = "+" + CaddySpecMatch.canonicalHeader(key)
            let more = Self.joined(value)
            record(key, values[key].map { $0 + ", " + more } ?? more, at: path + "/response/add")
        }
        for name in delete { record("-" + CaddySpecMatch.canonicalHeader(name), "", at: path + "/response/delete") }
    }

    private mutating func record(_ key: String, _ value: String, at path: String) {
        values[key] = value
        paths[key] = path
    }

    /// The header a `require` asks to be absent, as the Caddyfile's `?Name` writes it
    /// (`{"headers": {"Name": null}}`); nil for any other condition.
    private static func absenceRequired(_ require: JSONValue) -> String? {
        guard let members = require.object, members.count == 1, let headers = members["headers"]?.object, headers.count == 1,
            let field = Array(headers).first, field.value == .null || field.value == .array([])
        else { return nil }
        return CaddySpecMatch.canonicalHeader(field.key)
    }

    private static func joined(_ value: JSONValue) -> String {
        (value.array ?? []).compactMap(\.string).joined(separator: ", ")
    }
}
