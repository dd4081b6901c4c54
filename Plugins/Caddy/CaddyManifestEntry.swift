import Foundation
import ReconcileKit

/// A live route written as the manifest writes it (one entry of `caddy.sites[].routes`),
/// so what `reconcile discover` and the unmanaged-route fixes write is exactly what the
/// comparison reads back: every shape `CaddyRouteSpec` expresses, and nothing it cannot.
public enum CaddyManifestEntry {
    /// The entry's YAML lines (`- path: …`, then `  key: value`), or nil when the route has
    /// a part the manifest cannot express (a `file` matcher, an `error` with a message or
    /// a placeholder status, a handler such as `templates` alone): such a config is kept
    /// as `caddy.caddyfile:`, where nothing is invisible.
    public static func yaml(for route: CaddyRoute) -> String? {
        yaml(for: route, middleware: route.middleware)
    }

    /// The entry of `route` with `middleware` as its middleware: for the middleware routes
    /// of one path and matchers, all of theirs (the comparison reads them as one).
    static func yaml(for route: CaddyRoute, middleware all: [CaddyMiddleware]) -> String? {
        let path = route.path.text
        var lines = ["- path: " + (isPlainPath(path) ? path : quoted(path))]
        if let strip = route.stripPrefix {
            lines.append("  strip_prefix: " + (strip == route.path.strippablePrefix ? "true" : quoted(strip)))
        }
        var conditions = route.conditions
        var php = false
        if let index = conditions.firstIndex(of: CaddySpecMatch.phpCondition), case .reverseProxy(_, "fastcgi") = route.handler {
            conditions.remove(at: index)
            php = true
        }
        if !conditions.isEmpty {
            guard let match = matchYAML(conditions) else { return nil }
            lines.append("  match: \(match)")
        }
        switch route.handler {
        case .reverseProxy(let upstreams, _):
            lines.append("  \(php ? "php_fastcgi" : "reverse_proxy"): [\(upstreams.map(quoted).joined(separator: ", "))]")
        case .fileServer(let root):
            lines.append("  file_server: {" + (root.map { " root: \(quoted($0)) " } ?? "") + "}")
        case .staticResponse(let status, _, let location?):
            lines.append("  redir: { to: \(quoted(location)), status: \(status) }")
        case .staticResponse(let status, let body, nil):
            lines.append("  respond: { status: \(status)" + (body.map { ", body: \(quoted($0))" } ?? "") + " }")
        case .abort:
            lines.append("  abort: true")
        case .error(let status) where Int(status) != nil && route.handlerJSON?["error"] == nil:
            lines.append("  error: { status: \(status) }")
        case .nothing where route.kind == .middleware:
            break
        case .error, .other, .nothing:
            return nil
        }
        // The route's header directives are one `header:` key (Caddy keeps one handler per directive).
        let headers = CaddyHeaderOperations(all)
        let middleware = all.compactMap { $0.name == "header" ? headerYAML(headers) : middlewareYAML($0) }
        if route.kind == .middleware && middleware.isEmpty { return nil }
        var seen: Set<String> = []
        for line in middleware where seen.insert(String(line.prefix { $0 != ":" })).inserted {
            lines.append("  " + line)
        }
        return lines.joined(separator: "\n")
    }

    /// The responder's options that its entry leaves out because no manifest key says
    /// them (`load_balancing`, `browse`, `transport.tls.insecure_skip_verify`): the route is
    /// written and compared without them, and discover says so. `file_server.hide` is not
    /// one: the Caddyfile adapter adds it (it names the Caddyfile).
    static func uncomparedOptions(of route: CaddyRoute) -> [String] {
        guard route.kind == .responder, let json = route.handlerJSON?.object else { return [] }
        let said: Set<String>
        switch json["handler"]?.string {
        case "reverse_proxy": said = ["upstreams", "transport", "dynamic_upstreams"]
        case "file_server": said = ["root", "hide"]
        case "static_response": said = ["status_code", "body", "headers", "abort"]
        case "error": said = ["status_code", "error"]
        default: return []
        }
        var options = json.keys.filter { $0 != "handler" && $0 != "headers" && !said.contains($0) }
        if let headers = json["headers"]?.object {
            options += headers.keys.filter { $0 != "Location" }.map { "headers.\($0)" }
        }
        for upstream in json["upstreams"]?.array ?? [] {
            options += (upstream.object?.keys ?? []).filter { $0 != "dial" }.map { "upstreams.\($0)" }
        }
        if let transport = json["transport"]?.object {
            let known: Set<String> = ["protocol", "tls", "split_path"]
            options += transport.keys.filter { !known.contains($0) }.map { "transport.\($0)" }
            options += (transport["tls"]?.object?.keys ?? []).map { "transport.tls.\($0)" }
        }
        var seen: Set<String> = []
        return options.filter { seen.insert($0).inserted }
    }

    /// A `match:` flow mapping for the conditions, or nil when one has no manifest key.
    static func matchYAML(_ conditions: [String]) -> String? {
        var parts: [String] = []
        for condition in conditions {
            guard let space = condition.firstIndex(of: " "),
                let value = try? JSONValue.parse(Data(condition[condition.index(after: space)...].utf8)),
                let part = matcherYAML(String(condition[..<space]), value)
            else { return nil }
            parts.append(part)
        }
        return "{ " + parts.joined(separator: ", ") + " }"
    }

    static func matcherYAML(_ name: String, _ value: JSONValue) -> String? {
        func list(_ items: [JSONValue]?) -> String? {
            guard let items else { return nil }
            return "[" + items.compactMap(\.string).map(quoted).joined(separator: ", ") + "]"
        }
        switch name {
        case "host", "method": return list(value.array).map { "\(name): \($0)" }
        case "header", "query":
            guard let fields = value.object else { return nil }
            let entries = fields.keys.sorted().compactMap { key in list(fields[key]?.array).map { "\(quoted(key)): \($0)" } }
            return "\(name): { " + entries.joined(separator: ", ") + " }"
        case "header_regexp":
            guard let fields = value.object else { return nil }
            var entries: [String] = []
            for key in fields.keys.sorted() {
                guard let pattern = fields[key]?["pattern"]?.string else { return nil }
                entries.append("\(quoted(key)): \(quoted(pattern))")
            }
            return "header_regexp: { " + entries.joined(separator: ", ") + " }"
        case "expression": return value.string.map { "expression: \(quoted($0))" }
        case "path_regexp": return value["pattern"]?.string.map { "path_regexp: \(quoted($0))" }
        case "remote_ip": return list(value["ranges"]?.array).map { "remote_ip: \($0)" }
        case "protocol": return value.string.map { "protocol: \(quoted($0))" }
        case "not":
            guard let sets = value.array, sets.count == 1, let set = sets[0].object, !set.isEmpty else { return nil }
            var inner: [String] = []
            for key in set.keys.sorted() {
                guard key != "not", let part = matcherYAML(key, set[key]!) else { return nil }
                inner.append(part)
            }
            return "not: { " + inner.joined(separator: ", ") + " }"
        default: return nil
        }
    }

    /// One middleware as a manifest key, or nil for middleware the manifest does not name
    /// (`header`: `headerYAML`, all of a route's header directives at once).
    static func middlewareYAML(_ item: CaddyMiddleware) -> String? {
        let json = item.json
        switch item.name {
        case "rewrite":
            return json["uri"]?.string.map { "rewrite: \(quoted(shortened($0)))" }
        case "encode":
            guard let encodings = json["encodings"]?.object?.keys.sorted(), !encodings.isEmpty else { return nil }
            return "encode: [" + encodings.joined(separator: ", ") + "]"
        case "basic_auth":
            let accounts = json["providers"]?["http_basic"]?["accounts"]?.array ?? []
            let users = accounts.compactMap { $0["username"]?.string }
            return users.isEmpty ? nil : "basic_auth: [" + users.map(quoted).joined(separator: ", ") + "]"
        case "forward_auth":
            guard let dial = json["upstreams"]?.array?.first?["dial"]?.string else { return nil }
            let uri = json["rewrite"]?["uri"]?.string.map { ", uri: \(quoted($0))" } ?? ""
            return "forward_auth: { upstream: \(quoted(dial))\(uri) }"
        case "try_files":
            guard let files = json["file"]?["try_files"]?.array?.compactMap(\.string) else { return nil }
            return "try_files: [" + files.map { quoted(shortened($0)) }.joined(separator: ", ") + "]"
        case "request_body":
            return json["max_size"].map { "request_body: { max_size: \(quoted($0.canonicalText)) }" }
        default:
            return nil
        }
    }

    /// A route's header operations as one `header:` key, or nil when the manifest can say none of them.
    static func headerYAML(_ operations: CaddyHeaderOperations) -> String? {
        guard !operations.values.isEmpty else { return nil }
        let entries = operations.values.keys.sorted().map { "\(quoted($0)): \(quoted(operations.values[$0]!))" }
        return "header: { " + entries.joined(separator: ", ") + " }"
    }

    /// The adapter's long placeholders in their Caddyfile shorthand (`{path}`).
    static func shortened(_ text: String) -> String {
        CaddyMiddlewareExpectation.shorthands.sorted { $0.long.count > $1.long.count }.reduce(text) {
            $0.replacingOccurrences(of: $1.long, with: $1.short)
        }
    }

    /// A YAML double-quoted scalar whose escapes (`\u202E`, `\u001B`) a YAML reader
    /// decodes to the live text: no control or bidi character is left raw, so the
    /// snippet reads the same on a terminal and pasted into a manifest.
    static func quoted(_ text: String) -> String { YAMLWriter.quoted(text, literalDollars: true) }

    /// A path a YAML reader takes as the same string unquoted: it starts with `/` and
    /// holds only characters with no meaning to YAML (no `: `, ` #`, flow marks, quotes,
    /// spaces, non-ASCII or control characters).
    static func isPlainPath(_ path: String) -> Bool {
        path.hasPrefix("/")
            && path.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "/-_.~*%+=@!$()".unicodeScalars.contains(scalar))
            }
    }
}
