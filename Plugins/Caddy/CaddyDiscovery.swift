import ReconcileKit

/// `reconcile discover --caddy ADMIN`: the running config, read by the checker's own
/// `observe`, written back as `caddy.sites`.
///
/// A route is written only when the manifest can say all of what it does (a path, a
/// `reverse_proxy` or `file_server`, a prefix strip); anything else (a matcher besides
/// the path, `respond`, `redir`, `php_fastcgi`, a route no request reaches) is a gap,
/// said in a comment and counted, never approximated: a manifest that claimed a
/// `php_fastcgi` route was a plain proxy would pass a dry run and be wrong. With no gap
/// the section says `unmanaged_routes: report`, so a route added later is drift too.
extension CaddyChecker: Discovering {
    public func discover(_ request: DiscoveryRequest, earlier: Discoveries, in context: ObservationContext) async throws
        -> CaddyObservation?
    {
        guard let admin = request.caddyAdmin else { return nil }
        let endpoint: HTTPEndpoint
        do {
            endpoint = try HTTPEndpoint(parsing: admin)
        } catch {
            throw DiscoveryFailure("--caddy \(admin): \(error.message)")
        }
        return try await observe(CaddySpec(admin: endpoint, desired: .sites([])), in: context)
    }

    public func describe(_ observation: CaddyObservation, request: DiscoveryRequest, earlier: Discoveries)
        -> DiscoveredSection
    {
        let table: CaddyRouteTable
        switch observation.liveRoutes {
        case .table(let routes): table = routes
        case .unavailable(let failure):
            return .unobserved("cannot read Caddy's config from \(observation.admin): \(failure.message)")
        case .malformed(let error):
            return .unobserved("the admin API at \(observation.admin) answered something that is not a Caddy config: \(error)")
        }
        var gaps: [String] = []
        var sites: [YAMLItem] = []
        var written: Set<[String]> = []
        for site in table.sites where written.insert(site.hosts).inserted {
            let label = site.hosts.isEmpty ? "any host" : site.hosts.joined(separator: ", ")
            if let bad = site.hosts.first(where: { !Self.isManifestHost($0) }) {
                gaps.append("the site for \(label): the host \(bad) is not a plain host name")
                continue
            }
            // The manifest pairs a site by its hosts: every server with the same hosts
            // gets the same routes, so a route is written only when all of them have it.
            let twins = table.sites.filter { $0.hosts == site.hosts }
            var routes: [YAMLItem] = []
            for route in Self.reachableRoutes(of: site, in: table) {
                let problem =
                    Self.unexpressible(route)
                    ?? twins.dropFirst().first { !Self.reachableRoutes(of: $0, in: table).contains(sameAs: route) }.map {
                        "it is not on the server listening on \(table.listen(of: $0.server).joined(separator: ", ")), "
                            + "which serves the same hosts"
                    }
                if let problem {
                    gaps.append("\(route.path) on \(label): \(problem)")
                } else {
                    routes.append(YAMLItem(Self.entry(route), comments: Self.notes(route)))
                }
            }
            // Middleware routes (a site-wide encode, `rewrite /a /b`) are not written yet:
            // gaps, so `unmanaged_routes` stays `ignore` and they are never drift.
            gaps += table.analysis(of: site).view.filter { $0.kind == .middleware && $0.hosts == site.hosts }.map {
                "\($0.path) on \(label): middleware (\(CaddyText.describe($0.middleware))) is not written"
            }
            gaps += Self.unreachable(of: site, in: table).map {
                "\($0.path) on \(label): no request reaches it (an earlier route answers first)"
            }
            guard !routes.isEmpty else {
                gaps.append("the site for \(label): none of its routes can be written")
                continue
            }
            var entries: [YAMLEntry] = []
            if !site.hosts.isEmpty { entries.append(YAMLEntry("hosts", .strings(site.hosts))) }
            entries.append(YAMLEntry("routes", .list(routes)))
            let listen = twins.flatMap { table.listen(of: $0.server) }
            sites.append(YAMLItem(.map(entries), comments: ["\(label), served on \(listen.joined(separator: ", "))"]))
        }
        var entries = [YAMLEntry("admin", .string(observation.admin))]
        entries.append(YAMLEntry("sites", .list(sites)))
        let unmanaged: CaddySpec.UnmanagedRoutes = gaps.isEmpty ? .report : .ignore
        entries.append(
            YAMLEntry(
                "unmanaged_routes", .string(unmanaged.rawValue),
                comments: gaps.isEmpty
                    ? ["every live route is written above: a route added later is drift"]
                    : ["ignore: the routes listed as not expressible are live but not written"]))
        return DiscoveredSection(
            value: .map(entries),
            comments: [
                "Caddy: the running config of \(observation.admin), route by route, most specific first as Caddy orders them.",
                "Confirm each route is meant to be there (discover writes what runs, not what should).",
            ],
            gaps: gaps, listeners: Self.listeners(table, admin: observation.admin))
    }

    /// The answering routes of a site that a request can reach, in evaluation order, one
    /// per path and conditions (what a Caddyfile as the desired state compares).
    static func reachableRoutes(of site: CaddySite, in table: CaddyRouteTable) -> [CaddyRoute] {
        let analysis = table.analysis(of: site)
        var keys: Set<String> = []
        return analysis.view.enumerated().compactMap { index, route in
            guard route.kind == .responder, route.hosts == site.hosts, analysis.shadower(of: index) == nil,
                keys.insert(route.pairingKey).inserted
            else { return nil }
            return route
        }
    }

    /// The site's own answering routes that no request reaches.
    static func unreachable(of site: CaddySite, in table: CaddyRouteTable) -> [CaddyRoute] {
        let analysis = table.analysis(of: site)
        return analysis.view.enumerated().compactMap { index, route in
            route.kind == .responder && route.hosts == site.hosts && analysis.shadower(of: index) != nil ? route : nil
        }
    }

    /// Why the manifest cannot describe `route`, or nil when it can.
    static func unexpressible(_ route: CaddyRoute) -> String? {
        if !route.conditions.isEmpty { return "it answers only when \(route.conditions.joined(separator: ", "))" }
        guard route.path.text.first == "/" || route.path.text.first == "*", !route.path.text.contains(where: \.isWhitespace) else {
            return "its path is not a plain path pattern"
        }
        if let strip = route.stripPrefix, strip != route.path.strippablePrefix, !strip.hasPrefix("/") || strip.contains("*") {
            return "it strips \(strip), which is not a path prefix"
        }
        switch route.handler {
        case .reverseProxy(let upstreams, let transport):
            if let transport, transport != "http" {
                return "its upstreams are reached over \(transport) (\(CaddyText.describe(route.handler)))"
            }
            if upstreams.isEmpty { return "its upstreams are dynamic" }
            if let bad = upstreams.first(where: { CaddyRouteSpec.dialAddress($0) != $0 }) {
                return "the upstream \(bad) is not a plain host:port"
            }
            return nil
        case .fileServer(let root):
            return root == nil ? "its file_server has no root (Caddy's working directory)" : nil
        case .staticResponse, .error, .abort, .other, .nothing:
            return "it answers with \(CaddyText.describe(route.handler))"
        }
    }

    /// The route as a `sites[].routes[]` entry.
    static func entry(_ route: CaddyRoute) -> YAMLNode {
        var entries = [YAMLEntry("path", .string(route.path.text))]
        if let strip = route.stripPrefix {
            entries.append(YAMLEntry("strip_prefix", strip == route.path.strippablePrefix ? .bool(true) : .string(strip)))
        }
        switch route.handler {
        case .reverseProxy(let upstreams, _):
            entries.append(YAMLEntry("reverse_proxy", .strings(upstreams)))
        case .fileServer(let root):
            entries.append(YAMLEntry("file_server", .map([YAMLEntry("root", .string(root ?? ""))])))
        default:
            break
        }
        return .map(entries)
    }

    /// What a person should know about a written route.
    static func notes(_ route: CaddyRoute) -> [String] {
        guard case .reverseProxy(let upstreams, _) = route.handler, upstreams.count > 1 else { return [] }
        return ["\(upstreams.count) upstreams, compared as a set"]
    }

    /// A host the manifest accepts in `hosts:` (no scheme, path, space or port).
    static func isManifestHost(_ host: String) -> Bool {
        !host.isEmpty && !host.contains("://") && !host.contains("/") && !host.contains(where: \.isWhitespace)
            && (host.hasPrefix("[") || !host.contains(":"))
    }

    /// Where Caddy listens (each server's TCP addresses, a TCP admin endpoint) and the
    /// loopback upstreams it proxies to (a backend on this host).
    static func listeners(_ table: CaddyRouteTable, admin: String) -> [DiscoveredListener] {
        var listeners = table.servers.flatMap { server in
            server.listen.compactMap { SocketText.parse($0).map { DiscoveredListener(address: $0.address, port: $0.port, owner: "caddy") } }
        }
        for route in table.routes where route.kind == .responder {
            guard case .reverseProxy(let upstreams, _) = route.handler else { continue }
            listeners += upstreams.compactMap { upstream in
                guard let parsed = SocketText.parse(upstream), let address = parsed.address,
                    address == "127.0.0.1" || address == "::1"
                else { return nil }
                return DiscoveredListener(address: address, port: parsed.port, owner: "an upstream of caddy (\(route.path))")
            }
        }
        if let endpoint = try? HTTPEndpoint(parsing: admin), endpoint.unixSocketPath == nil,
            let authority = admin.split(separator: "/").dropFirst().first.map(String.init),
            let parsed = SocketText.parse(authority)
        {
            listeners.append(DiscoveredListener(address: parsed.address, port: parsed.port, owner: "caddy admin"))
        }
        return listeners
    }
}

extension [CaddyRoute] {
    /// Whether a route with the same path, conditions, handler and strip is in the list.
    fileprivate func contains(sameAs route: CaddyRoute) -> Bool {
        contains { $0.pairingKey == route.pairingKey && $0.handler == route.handler && $0.stripPrefix == route.stripPrefix }
    }
}

/// A TCP listen address as Caddy writes it (`:8080`, `127.0.0.1:8080`, `tcp/[::1]:443`),
/// read into an address (nil for every address) and one port; nil for a unix socket,
/// UDP, or a port range.
enum SocketText {
    static func parse(_ text: String) -> (address: String?, port: Int)? {
        var rest = Substring(text)
        if let slash = rest.firstIndex(of: "/") {
            let network = rest[..<slash]
            guard network == "tcp" || network == "tcp4" || network == "tcp6" else { return nil }
            rest = rest[rest.index(after: slash)...]
        }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if ["", "0.0.0.0", "::", "localhost"].contains(host) { return (nil, port) }
        return (host, port)
    }
}
