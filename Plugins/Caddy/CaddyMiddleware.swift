/// A handler that changes a request or its response and passes it on (`header`,
/// `encode`, `rewrite`, `basic_auth`, `forward_auth`, `try_files`, `request_body`, …),
/// kept whole: the manifest compares the parts it names, a Caddyfile desired state
/// compares all of it as normalised JSON, so no handler of the live config is invisible.
///
/// The root (`vars.root`) and the prefix strip (`rewrite.strip_path_prefix`) are not
/// middleware here: the route model compares them on their own.
public struct CaddyMiddleware: Sendable, Hashable {
    /// The Caddyfile directive it comes from (`header`, `encode`, `rewrite`, `basic_auth`,
    /// `forward_auth`, `try_files`, `request_body`), else Caddy's handler name.
    public var name: String
    /// The handler's JSON as configured, without what `normalized` drops (for `try_files`,
    /// its `file` matcher and the rewrite together).
    var json: JSONValue
    /// The admin-API path of the handler (for `try_files`, of its route).
    public var jsonPath: String

    /// The middleware a handler is, or nil when it is not one or only sets what the route
    /// model compares (a root, a prefix strip).
    static func from(_ handler: JSONValue, at path: String) -> CaddyMiddleware? {
        guard var members = handler.object, let kind = members["handler"]?.string else { return nil }
        members["@id"] = nil
        let name: String
        switch kind {
        case "vars":
            members["root"] = nil
            guard members.count > 1 else { return nil }
            name = "vars"
        case "rewrite":
            members["strip_path_prefix"] = nil
            guard members.count > 1 else { return nil }
            name = "rewrite"
        case "headers": name = "header"
        case "authentication" where members["providers"]?["http_basic"] != nil: name = "basic_auth"
        case "reverse_proxy": name = "forward_auth"
        default: name = kind
        }
        return CaddyMiddleware(name: name, json: .object(members), jsonPath: path)
    }

    /// `try_files` as the Caddyfile adapter writes it: a route whose only matcher is a
    /// `file` matcher with `try_files`, rewriting to the file it found. Such a route
    /// changes every request it sees (the file matcher only decides to what), so it is
    /// middleware of its scope rather than a route of its own.
    static func tryFiles(_ route: JSONValue, at path: String) -> CaddyMiddleware? {
        guard let sets = route["match"]?.array, sets.count == 1, let set = sets[0].object, set.count == 1,
            let file = set["file"], file["try_files"] != nil,
            let handlers = route["handle"]?.array, handlers.count == 1,
            handlers[0]["handler"]?.string == "rewrite", let uri = handlers[0]["uri"]
        else { return nil }
        return CaddyMiddleware(
            name: "try_files", json: .object(["handler": .string("try_files"), "file": file, "uri": uri]), jsonPath: path)
    }

    /// One `try_files` directive the adapter wrote as several routes of one group: a file
    /// with a query (`/index.php?_url={uri}`) gets a route of its own, whose rewrite
    /// carries the query. They are one middleware again, its files in order with their
    /// queries, so a manifest's `try_files:` names all of them and a change to any is seen.
    ///
    /// - Returns: the directive at the index of its first route; the indices of the others.
    static func tryFilesGroups(_ routes: [JSONValue], at listPath: String) -> (first: [Int: CaddyMiddleware], rest: Set<Int>) {
        var first: [Int: CaddyMiddleware] = [:]
        var rest: Set<Int> = []
        var index = routes.startIndex
        while index < routes.endIndex {
            // The path is written only for a match: most grouped routes are not try_files.
            guard let group = routes[index]["group"]?.string, var head = tryFiles(routes[index], at: "") else {
                index += 1
                continue
            }
            head.jsonPath = "\(listPath)/\(index)"
            var files: [JSONValue] = []
            var end = index
            while end < routes.endIndex, routes[end]["group"]?.string == group,
                let item = tryFiles(routes[end], at: ""), let tried = item.json["file"]?["try_files"]?.array,
                let uri = item.json["uri"]?.string, uri.hasPrefix(relative)
            {
                let query = String(uri.dropFirst(relative.count))
                files += tried.map { file in file.string.map { .string($0 + query) } ?? file }
                end += 1
            }
            if end - index > 1, var file = head.json["file"]?.object {
                file["try_files"] = .array(files)
                let json = JSONValue.object(["handler": .string("try_files"), "file": .object(file), "uri": .string(relative)])
                first[index] = CaddyMiddleware(name: "try_files", json: json, jsonPath: head.jsonPath)
                rest.formUnion((index + 1)..<end)
            }
            index = max(end, index + 1)
        }
        return (first, rest)
    }

    /// The rewrite of `try_files`: to the file the matcher found.
    static let relative = "{http.matchers.file.relative}"

    /// `php_fastcgi`'s own routes before its responder, as the adapter expands the
    /// directive: the redirect of a directory holding an index file to its trailing-slash
    /// form, then the `try_files` rewrite that splits the path at `.php`. With the
    /// responder after them they are one directive, so they are its middleware, not
    /// routes of their own: the redirect named `php_fastcgi` (no manifest key names it),
    /// the rewrite `try_files` (a manifest's `try_files:` on the `php_fastcgi` route names
    /// it, the directive's `try_files` subdirective); a Caddyfile desired state compares
    /// both whole, as JSON.
    ///
    /// - Returns: for each responder's index in `routes`, its parts as middleware; and the
    ///   indices of the parts (walked as nothing else).
    static func phpParts(_ routes: [JSONValue], at listPath: String) -> (byResponder: [Int: [CaddyMiddleware]], parts: Set<Int>) {
        var byResponder: [Int: [CaddyMiddleware]] = [:]
        var parts: Set<Int> = []
        for index in routes.indices where phpCondition(routes[index]) != nil {
            let split = routes[index]["handle"]?.array?.first?["transport"]?["split_path"]
            var found: [CaddyMiddleware] = []
            var first = index
            if index >= 1, let rewrite = tryFiles(routes[index - 1], at: "\(listPath)/\(index - 1)"),
                rewrite.json["file"]?["split_path"] == split
            {
                found.append(rewrite)
                first = index - 1
            }
            if first >= 1, isIndexRedirect(routes[first - 1]) {
                first -= 1
                let redirect = CaddyJSON.withoutGeneratedKeys(routes[first])
                found.insert(CaddyMiddleware(name: "php_fastcgi", json: redirect, jsonPath: "\(listPath)/\(first)"), at: 0)
            }
            guard first < index, !parts.contains(first) else { continue }
            parts.formUnion(first..<index)
            byResponder[index] = found
        }
        return (byResponder, parts)
    }

    /// `php_fastcgi`'s redirect: a request for a directory without its trailing slash,
    /// where the directory has the index file, is sent to the slashed path (308).
    static func isIndexRedirect(_ route: JSONValue) -> Bool {
        guard let sets = route["match"]?.array, sets.count == 1, let set = sets[0].object,
            Set(set.keys) == ["file", "not"], set["file"]?["try_files"]?.array?.count == 1,
            set["not"] == .array([.object(["path": .array([.string("*/")])])]),
            let handlers = route["handle"]?.array, handlers.count == 1,
            handlers[0]["handler"]?.string == "static_response",
            handlers[0]["headers"]?["Location"] == .array([.string("{http.request.orig_uri.path}/")])
        else { return false }
        return true
    }

    /// A `reverse_proxy` of FastCGI limited to its own `split_path` suffixes (`*.php`):
    /// `php_fastcgi`'s responder. Its path matcher is a condition of the route the
    /// directive was given (it answers that route's PHP requests), not a route of its own.
    static func phpCondition(_ route: JSONValue) -> String? {
        guard let sets = route["match"]?.array, sets.count == 1, let set = sets[0].object, set.count == 1,
            let paths = set["path"]?.array, !paths.isEmpty,
            let handlers = route["handle"]?.array, handlers.count == 1,
            handlers[0]["handler"]?.string == "reverse_proxy",
            handlers[0]["transport"]?["protocol"]?.string == "fastcgi",
            let split = handlers[0]["transport"]?["split_path"]?.array
        else { return nil }
        let suffixes = Set(split.compactMap { $0.string.map { "*" + $0 } })
        guard Set(paths.compactMap(\.string)) == suffixes else { return nil }
        return CaddyMatchers.condition("path", set["path"]!)
    }
}

/// Caddy JSON as compared when nothing models it: what Caddy generates (`@id` tags),
/// what names the Caddyfile itself (`file_server.hide`) and the order of arrays that are
/// sets (upstreams, methods, IP ranges, accounts) do not count.
enum CaddyJSON {
    static let generatedKeys: Set<String> = ["@id", "hide"]
    static let setLikeKeys: Set<String> = ["upstreams", "method", "ranges", "accounts", "host", "trusted_proxies"]

    /// A handler without the generated keys of its own level: cheap enough for every
    /// route of a large config (the deep normalisation runs only when two differ).
    static func withoutGeneratedKeys(_ handler: JSONValue) -> JSONValue {
        guard var members = handler.object, members["@id"] != nil || members["hide"] != nil else { return handler }
        for key in generatedKeys { members[key] = nil }
        return .object(members)
    }

    /// `value` without generated keys, set-like arrays sorted.
    static func normalized(_ value: JSONValue, key: String? = nil) -> JSONValue {
        switch value {
        case .object(let members):
            var result = JSONObject()
            for (name, member) in members where !generatedKeys.contains(name) {
                result[name] = normalized(member, key: name)
            }
            return .object(result)
        case .array(let items):
            let normal = items.map { normalized($0) }
            guard let key, setLikeKeys.contains(key) else { return .array(normal) }
            return .array(normal.sorted { $0.canonicalText < $1.canonicalText })
        default:
            return value
        }
    }

    /// One place where two JSON values differ: the admin-API path of the live value and
    /// both sides as compact JSON (nil where a side has nothing).
    struct Difference: Hashable {
        var path: String
        var expected: String?
        var observed: String?

        var text: String {
            switch (expected, observed) {
            case (let want?, nil): "\(path): missing \(CaddyText.excerpt(want, limit: 80))"
            case (nil, let have?): "\(path): unexpected \(CaddyText.excerpt(have, limit: 80))"
            default:
                "\(path): expected \(CaddyText.excerpt(expected ?? "", limit: 80)), live \(CaddyText.excerpt(observed ?? "", limit: 80))"
            }
        }
    }

    /// Where `desired` and `live` differ once normalised, at most `limit` places, each at
    /// the path below `path` (JSON pointer segments, as the admin API spells them).
    static func differences(_ desired: JSONValue, _ live: JSONValue, at path: String, limit: Int = 8) -> [Difference] {
        var result: [Difference] = []
        diff(normalized(desired), normalized(live), at: path, into: &result, limit: limit)
        return result
    }

    private static func diff(_ desired: JSONValue, _ live: JSONValue, at path: String, into result: inout [Difference], limit: Int) {
        guard desired != live, result.count < limit else { return }
        switch (desired, live) {
        case (.object(let want), .object(let have)):
            for key in Set(want.keys).union(have.keys).sorted() {
                let child = path + "/" + key
                switch (want[key], have[key]) {
                case (let a?, let b?): diff(a, b, at: child, into: &result, limit: limit)
                case (let a?, nil): result.append(Difference(path: child, expected: a.canonicalText, observed: nil))
                case (nil, let b?): result.append(Difference(path: child, expected: nil, observed: b.canonicalText))
                case (nil, nil): break
                }
                if result.count >= limit { return }
            }
        case (.array(let want), .array(let have)) where want.count == have.count:
            for index in want.indices {
                diff(want[index], have[index], at: "\(path)/\(index)", into: &result, limit: limit)
            }
        default:
            result.append(Difference(path: path, expected: desired.canonicalText, observed: live.canonicalText))
        }
    }
}

/// Matcher sets as compared: each matcher a canonical `name value` text, its set-like
/// arrays sorted and the generated names of `path_regexp`, `header_regexp` and
/// `expression` dropped (an expression is its text), so the adapter's and the manifest's
/// spelling of one condition compare equal.
enum CaddyMatchers {
    static func condition(_ name: String, _ value: JSONValue) -> String {
        "\(name) \(normalized(name, value).canonicalText)"
    }

    static func normalized(_ name: String, _ value: JSONValue) -> JSONValue {
        let value = CaddyJSON.normalized(value, key: name)
        switch (name, value) {
        case ("path_regexp", .object(var members)):
            members["name"] = nil
            return .object(members)
        case ("header_regexp", .object(let fields)):
            return .object(
                fields.mapValues { field in
                    guard var members = field.object else { return field }
                    members["name"] = nil
                    return .object(members)
                })
        case ("expression", .object(let members)) where members["expr"]?.string != nil:
            return members["expr"]!
        case ("not", .array(let sets)):
            return .array(
                sets.map { set in
                    guard let members = set.object else { return set }
                    return .object(JSONObject(uniqueKeysWithValues: members.map { ($0.key, normalized($0.key, $0.value)) }))
                })
        default:
            return value
        }
    }
}
