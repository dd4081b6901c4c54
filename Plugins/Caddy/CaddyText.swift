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

    /// The Caddyfile block that produces a route: `handle_path` when the route strips its
    /// own prefix, `handle` (with `uri strip_prefix` for another prefix) otherwise.
    static func caddyfileBlock(
        path: PathPattern, handler: CaddyHandler, strip: String?, conditions: [String] = []
    ) -> String {
        var lines: [String] = []
        if !conditions.isEmpty {
            lines.append("# only when: \(conditions.joined(separator: ", ")) (use a named matcher)")
        }
        let address = path.kind == .any ? "" : " \(path.text)"
        var body: [String] = []
        if let strip, strip == path.strippablePrefix {
            lines.append("handle_path\(address) {")
        } else {
            lines.append("handle\(address) {")
            if let strip { body.append("uri strip_prefix \(strip)") }
        }
        switch handler {
        case .reverseProxy(let upstreams, let transport):
            if transport == "fastcgi" {
                body.append("php_fastcgi " + upstreams.joined(separator: " "))
            } else {
                body.append("reverse_proxy " + upstreams.joined(separator: " "))
            }
        case .fileServer(let root):
            if let root { body.append("root * \(root)") }
            body.append("file_server")
        case .staticResponse(let status, let body_, let location):
            if let location {
                body.append("redir \(location) \(status)")
            } else if let body_ {
                body.append("respond \"\(excerpt(body_, limit: 200))\" \(status)")
            } else {
                body.append("respond \(status)")
            }
        case .error(let status):
            body.append("error \(status)")
        case .other(let name):
            body.append("# the \(name) handler, as in the desired config")
        case .nothing:
            body.append("# nothing answers here")
        }
        lines += body.map { "\t" + $0 }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// The manifest entry that declares a live route (for unmanaged routes).
    static func manifestEntry(_ route: CaddyRoute) -> String? {
        var lines = ["- path: \(route.path.text)"]
        switch route.handler {
        case .reverseProxy(let upstreams, _):
            lines.append("  reverse_proxy: [" + upstreams.map { "\"\($0)\"" }.joined(separator: ", ") + "]")
        case .fileServer(let root):
            if let strip = route.stripPrefix {
                lines.append(strip == route.path.strippablePrefix ? "  strip_prefix: true" : "  strip_prefix: \(strip)")
            }
            lines.append("  file_server: { root: \"\(root ?? "")\" }")
            return lines.joined(separator: "\n")
        default:
            return nil
        }
        if let strip = route.stripPrefix {
            lines.append(strip == route.path.strippablePrefix ? "  strip_prefix: true" : "  strip_prefix: \(strip)")
        }
        return lines.joined(separator: "\n")
    }
}
