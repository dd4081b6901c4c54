import Foundation
import ReconcileKit

/// How routes are written for people: in findings' expected/observed fields, and as
/// the Caddyfile block (or manifest entry) a fix proposes.
enum CaddyText {
    /// `strip /media → file_server root /srv/media`, `reverse_proxy 127.0.0.1:8000`.
    static func describe(_ handler: CaddyHandler, strip: String?, rootChecked: Bool = true) -> String {
        let stripText = strip.map { "strip \($0) → " } ?? ""
        return stripText + describe(handler, rootChecked: rootChecked)
    }

    static func describe(_ handler: CaddyHandler, rootChecked: Bool = true) -> String {
        switch handler {
        case .reverseProxy(let upstreams, let transport):
            let via = transport.map { " (transport \($0))" } ?? ""
            return "reverse_proxy " + upstreams.joined(separator: " ") + via
        case .fileServer(let root):
            guard rootChecked else { return "file_server" }
            return root.map { "file_server root \($0)" } ?? "file_server (no root: Caddy's working directory)"
        case .staticResponse(let status, let body, let location):
            if let location { return "redir \(location) \(status)" }
            return "respond" + (body.map { " \"\(excerpt($0))\"" } ?? "") + " \(status)"
        case .error(let status):
            return "error \(status)"
        case .abort:
            return "abort"
        case .other(let name):
            return "handler \(name)"
        case .nothing:
            return "nothing (Caddy answers an empty 200)"
        }
    }

    static func excerpt(_ text: String, limit: Int = 40) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: "\\n")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    /// " on rims.example.com", or "" for any host.
    static func onHosts(_ hosts: [String]) -> String {
        hosts.isEmpty ? "" : " on " + hosts.joined(separator: ", ")
    }

    /// "the site block for rims.example.com" / "the site block for any host".
    static func siteBlock(_ hosts: [String]) -> String {
        hosts.isEmpty ? "the site block for any host" : "the site block for " + hosts.joined(separator: ", ")
    }

    /// What a desired route must be, for the finding's `expected`.
    static func describe(_ route: DesiredRoute) -> String {
        let middleware =
            route.expectations.isEmpty
            ? route.whole.map { describe($0.middleware) } ?? ""
            : route.expectations.map(\.expectedText).joined(separator: ", ")
        if route.middlewareOnly { return middleware.isEmpty ? "middleware" : middleware }
        let handler = describe(route.handler, strip: route.stripPrefix, rootChecked: route.rootChecked)
        return middleware.isEmpty ? handler : "\(middleware), then \(handler)"
    }

    /// Middleware by directive, with the value that identifies it (`rewrite /index.html`).
    static func describe(_ middleware: [CaddyMiddleware]) -> String {
        middleware.map { item in
            switch item.name {
            case "rewrite": "rewrite " + (item.json["uri"]?.string ?? item.json.canonicalText)
            case "encode": "encode " + (item.json["encodings"]?.object?.keys.sorted().joined(separator: " ") ?? "")
            case "php_fastcgi": "php_fastcgi's index redirect"
            default: item.name
            }
        }.joined(separator: ", ")
    }

    /// The Caddyfile block that produces a desired route. The `try_files` of a
    /// `php_fastcgi` route is the directive's own subdirective (it splits the path at
    /// `.php`), not a `try_files` directive before it.
    static func caddyfileBlock(_ route: DesiredRoute) -> String {
        var middleware = route.expectations
        var php: [String] = []
        if case .reverseProxy(_, "fastcgi") = route.handler, let index = middleware.firstIndex(where: { $0.name == "try_files" }) {
            php = middleware.remove(at: index).caddyfileLines
        }
        return caddyfileBlock(
            path: route.path, handler: route.middlewareOnly ? nil : route.handler, strip: route.stripPrefix,
            conditions: route.conditions, middleware: middleware.flatMap(\.caddyfileLines), phpOptions: php)
    }

    /// The Caddyfile block that produces a route: `handle_path` when the route strips its
    /// own prefix, `handle` (with `uri strip_prefix` for another prefix) otherwise, `route`
    /// for middleware alone (it goes on to the routes after it); other matchers become a
    /// named matcher, so the block never answers more than the route did.
    static func caddyfileBlock(
        path: PathPattern, handler: CaddyHandler?, strip: String?, conditions: [String] = [], middleware: [String] = [],
        phpOptions: [String] = []
    ) -> String {
        var lines: [String] = []
        var matcher = path.kind == .any ? "" : " \(path.text)"
        let named = conditions.filter { $0 != CaddySpecMatch.phpCondition }
        if !named.isEmpty {
            let definition = matcherDefinition(path: path, conditions: named)
            lines += ["@route {"] + definition.map { "\t" + $0 } + ["}"]
            matcher = " @route"
        }
        var body: [String] = []
        if handler == nil {
            lines.append("route\(matcher) {")
        } else if let strip, strip == path.strippablePrefix {
            lines.append("handle_path\(matcher) {")
            if !named.isEmpty { body.append("uri strip_prefix \(strip)") }
        } else {
            lines.append("handle\(matcher) {")
            if let strip { body.append("uri strip_prefix \(strip)") }
        }
        if let handler, case .fileServer(let root?) = handler { body.append("root * \(root)") }
        body += middleware
        switch handler {
        case nil:
            break
        case .reverseProxy(let upstreams, let transport)?:
            if transport == "fastcgi" {
                let line = "php_fastcgi " + upstreams.joined(separator: " ")
                body += phpOptions.isEmpty ? [line] : [line + " {"] + phpOptions.map { "\t" + $0 } + ["}"]
            } else {
                body.append("reverse_proxy " + upstreams.joined(separator: " "))
            }
        case .fileServer?:
            body.append("file_server")
        case .staticResponse(let status, let body_, let location)?:
            if let location {
                body.append("redir \(location) \(status)")
            } else if let body_ {
                body.append("respond \"\(excerpt(body_, limit: 200))\" \(status)")
            } else {
                body.append("respond \(status)")
            }
        case .error(let status)?:
            body.append("error \(status)")
        case .abort?:
            body.append("abort")
        case .other(let name)?:
            body.append("# the \(name) handler, as in the desired config")
        case .nothing?:
            body.append("# nothing answers here")
        }
        lines += body.map { "\t" + $0 }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// A named matcher's lines for the route's path and conditions (`method GET POST`,
    /// `not remote_ip 10.0.0.0/8`); a matcher without a Caddyfile spelling here is kept
    /// as its JSON in `expression`-free form: a comment, so the block still parses.
    static func matcherDefinition(path: PathPattern, conditions: [String]) -> [String] {
        var lines = path.kind == .any ? [] : ["path \(path.text)"]
        for condition in conditions {
            guard let space = condition.firstIndex(of: " "),
                let value = try? JSONValue.parse(Data(condition[condition.index(after: space)...].utf8))
            else { continue }
            lines += matcherLines(String(condition[..<space]), value)
        }
        return lines
    }

    static func matcherLines(_ name: String, _ value: JSONValue) -> [String] {
        func words(_ items: [JSONValue]?) -> String {
            (items ?? []).compactMap(\.string).map(quoted).joined(separator: " ")
        }
        switch name {
        case "host", "method", "path": return ["\(name) \(words(value.array))"]
        case "header", "query":
            return (value.object ?? [:]).sorted { $0.key < $1.key }.map { field in
                name == "header"
                    ? "header \(field.key) \(words(field.value.array))"
                    : "query " + (field.value.array ?? []).compactMap(\.string).map { quoted("\(field.key)=\($0)") }.joined(separator: " ")
            }
        case "header_regexp":
            return (value.object ?? [:]).sorted { $0.key < $1.key }.map { field in
                "header_regexp \(field.key) \(quoted(field.value["pattern"]?.string ?? ""))"
            }
        case "expression": return ["expression " + backquoted(value.string ?? "")]
        case "path_regexp": return ["path_regexp \(quoted(value["pattern"]?.string ?? ""))"]
        case "remote_ip": return ["remote_ip \(words(value["ranges"]?.array))"]
        case "protocol": return ["protocol \(value.string ?? "")"]
        case "not":
            let inner = (value.array ?? []).flatMap { set in
                (set.object ?? [:]).sorted { $0.key < $1.key }.flatMap { matcherLines($0.key, $0.value) }
            }
            return inner.count == 1 ? ["not " + inner[0]] : ["not {"] + inner.map { "\t" + $0 } + ["}"]
        default: return ["# and the \(name) matcher: \(excerpt(value.canonicalText, limit: 160))"]
        }
    }

    /// A Caddyfile token in backquotes, which keep double quotes as they are (a CEL
    /// expression has them); double-quoted when it holds a backquote itself.
    static func backquoted(_ text: String) -> String {
        text.contains("`") ? "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : "`" + text + "`"
    }

    /// A Caddyfile token, quoted when it has spaces or quotes.
    static func quoted(_ word: String) -> String {
        word.contains(where: { $0 == " " || $0 == "\"" || $0 == "\t" })
            ? "\"" + word.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : word
    }
}
