import ReconcileKit

/// `reconcile discover --caddy ADMIN`: the running config, read by the checker's own
/// `observe`, written back as `caddy.sites`.
///
/// A route is written as `CaddyManifestEntry` spells it (every shape the comparison
/// reads: matchers, responders, middleware); what it cannot spell (a `file` matcher of
/// the user's own, `error`, `templates` alone) is a gap, said in a comment and counted,
/// never approximated. A route no request reaches is not written but named in a comment
/// (it changes no answer, so it is no drift either way). With no gap the section says
/// `unmanaged_routes: report`, so a route added later is drift too. Servers that serve
/// the same hosts differently are one site each, with their `listen:` addresses.
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
        var uncompared: [String] = []
        var sites: [YAMLItem] = []
        var written: Set<[String]> = []
        for site in table.sites where written.insert(site.hosts).inserted {
            let label = site.hosts.isEmpty ? "any host" : site.hosts.joined(separator: ", ")
            if let bad = site.hosts.first(where: { !Self.isManifestHost($0) }) {
                gaps.append("the site for \(label): the host \(bad) is not a plain host name")
                continue
            }
            // Servers serving the same hosts the same way are one site; servers serving
            // them differently are one site each, pinned to their listen addresses.
            let twins = table.sites.filter { $0.hosts == site.hosts }
            let described = twins.map { Self.routes(of: $0, in: table) }
            let pinned = described.contains { $0.entries != described[0].entries }
            let groups = pinned ? twins.indices.map { ([twins[$0]], described[$0]) } : [(twins, described[0])]
            for (servers, routes) in groups {
                let onServer = pinned ? " on \(table.listen(of: servers[0].server).joined(separator: ", "))" : ""
                gaps += routes.gaps.map { "\($0.path) on \(label)\(onServer): \($0.reason)" }
                uncompared += routes.uncompared.map { "\($0.path) on \(label)\(onServer): \($0.reason)" }
                guard !routes.entries.isEmpty else {
                    gaps.append("the site for \(label)\(onServer): none of its routes can be written")
                    continue
                }
                var entries: [YAMLEntry] = []
                if !site.hosts.isEmpty { entries.append(YAMLEntry("hosts", .strings(site.hosts))) }
                if pinned { entries.append(YAMLEntry("listen", .strings(table.listen(of: servers[0].server)))) }
                entries.append(YAMLEntry("routes", .list(routes.entries.map { YAMLItem($0) })))
                let served = servers.flatMap { table.listen(of: $0.server) }
                var comments = ["\(label), served on \(served.joined(separator: ", "))"]
                comments += routes.unreachable.map { dead in
                    "Not written, confirm by hand: \(dead.path) (\(dead.reason); live JSON \(dead.jsonPath)) is never "
                        + "reached, because \(dead.by) answers all of its requests first; remove it from Caddy if it is a mistake."
                }
                sites.append(YAMLItem(.map(entries), comments: comments))
            }
        }
        // No request is routed to error routes: they leave `unmanaged_routes` as it is.
        var errorGaps: [String] = []
        if case .config(let data) = observation.live {
            for (listen, errors) in CaddyErrorRoutes.byServer(data).sorted(by: { $0.key < $1.key }) {
                errorGaps.append(
                    "handle_errors on \(listen): the manifest cannot say its \(errors.routes.array?.count ?? 0) error route(s) "
                        + "yet (live JSON /config/apps/http/servers/\(errors.server)/errors/routes; caddy.caddyfile compares them)")
            }
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
            gaps: gaps + errorGaps, uncompared: uncompared, listeners: Self.listeners(table, admin: observation.admin))
    }

    /// A route the manifest cannot express, and why.
    struct Gap: Equatable {
        var path: String
        var reason: String
    }

    /// A route no request reaches: what it does, and the earlier route that answers first.
    /// It is not written (written, it would be drift: shadowed), and it is not drift
    /// unwritten either (it changes no answer), so it is a comment a person confirms.
    struct Unreachable: Equatable {
        var path: String
        var reason: String
        var jsonPath: String
        var by: String
    }

    /// A site's routes as manifest entries, in evaluation order, one per path, matchers
    /// and kind (the middleware routes of one key are one entry, as a Caddyfile's are
    /// one desired route), spelled by `CaddyManifestEntry` (what the comparison reads
    /// back), the routes it cannot spell, and those no request reaches.
    static func routes(of site: CaddySite, in table: CaddyRouteTable)
        -> (entries: [YAMLNode], gaps: [Gap], uncompared: [Gap], unreachable: [Unreachable])
    {
        let analysis = table.analysis(of: site)
        var entries: [YAMLNode] = []
        var gaps: [Gap] = []
        var uncompared: [Gap] = []
        var unreachable: [Unreachable] = []
        var index: [String: Int] = [:]
        var refused: Set<String> = []
        var manifestKeys: [String: String] = [:]
        var middlewareOfKey: [String: [CaddyMiddleware]] = [:]
        for (position, route) in analysis.view.enumerated()
        where route.hosts == site.hosts && (route.kind == .responder || route.kind == .middleware) {
            let key = route.pairingKey
            if route.kind == .responder, let shadow = analysis.shadower(of: position).map({ analysis.view[$0] }) {
                unreachable.append(
                    Unreachable(
                        path: route.path.text, reason: CaddyText.describe(route.handler, strip: route.stripPrefix),
                        jsonPath: route.handlerJSONPath,
                        by: "\(shadow.path) (\(CaddyText.describe(shadow.handler, strip: shadow.stripPrefix)))"))
                continue
            }
            guard !refused.contains(key) else { continue }
            guard let entry = CaddyManifestEntry.yaml(for: route).flatMap(YAMLNode.firstItem(ofYAML:)) else {
                gaps.append(Gap(path: route.path.text, reason: "the manifest cannot say \(gapText(route))"))
                refused.insert(key)
                if let known = index[key] {
                    entries.remove(at: known)
                    index = index.filter { $0.key != key }.mapValues { $0 > known ? $0 - 1 : $0 }
                }
                continue
            }
            if let known = index[key] {
                if route.kind == .middleware {
                    middlewareOfKey[key, default: []] += route.middleware
                    let all = middlewareOfKey[key] ?? []
                    entries[known] =
                        CaddyManifestEntry.yaml(for: route, middleware: all).flatMap(YAMLNode.firstItem(ofYAML:)) ?? entries[known]
                    uncompared += uncomparedHeaders(of: route)
                }
                continue
            }
            // A live value the manifest's reader refuses (an upstream holding an ESC) is
            // not expressible, whatever the entry's spelling.
            let manifestKey: String
            switch Self.manifestKey(of: entry) {
            case .success(let read): manifestKey = read
            case .failure(let refusal):
                gaps.append(Gap(path: route.path.text, reason: "the manifest cannot say \(gapText(route)) (its reader: \(refusal))"))
                refused.insert(key)
                continue
            }
            // The manifest pairs its entries by its own key: two live routes it would read
            // as one are not written (one would stand for the other).
            guard manifestKeys[manifestKey, default: key] == key else {
                gaps.append(Gap(path: route.path.text, reason: "the manifest would read it as an earlier route of the same path"))
                refused.insert(key)
                continue
            }
            manifestKeys[manifestKey] = key
            index[key] = entries.count
            entries.append(entry)
            middlewareOfKey[key] = route.middleware
            uncompared += uncomparedHeaders(of: route)
            let options = CaddyManifestEntry.uncomparedOptions(of: route)
            if !options.isEmpty {
                uncompared.append(
                    Gap(
                        path: route.path.text,
                        reason: "\(CaddyText.describe(route.handler, strip: nil)) has options the manifest cannot say yet, "
                            + "written without them: \(options.joined(separator: ", ")) (Caddy JSON keys)"))
            }
        }
        return (entries, gaps, uncompared, unreachable)
    }

    /// What the manifest pairs the entry by, as its decoder reads it; or, when it does
    /// not read, the decoder's own words for why.
    static func manifestKey(of entry: YAMLNode) -> Result<String, EntryRefusal> {
        let text = YAMLWriter.document([YAMLEntry("route", entry)])
        do {
            guard let node = try YAMLDocument.parse(text, file: "(entry)").root?.entries().first?.value else {
                return .failure(EntryRefusal(description: "no entry"))
            }
            return .success(try CaddyRouteSpec(from: node).pairingKey)
        } catch let error as ManifestError {
            return .failure(EntryRefusal(description: error.message))
        } catch let errors as ManifestErrors {
            return .failure(EntryRefusal(description: errors.errors.map(\.message).joined(separator: "; ")))
        } catch {
            return .failure(EntryRefusal(description: "\(error)"))
        }
    }

    /// Why the manifest's reader refuses an entry discover spelled from a live route.
    struct EntryRefusal: Error, CustomStringConvertible {
        let description: String
    }

    /// What a route does, and when, as a gap names it.
    static func gapText(_ route: CaddyRoute) -> String {
        let what =
            route.kind == .middleware ? CaddyText.describe(route.middleware) : CaddyText.describe(route.handler, strip: route.stripPrefix)
        return what + (route.conditions.isEmpty ? "" : " when " + route.conditions.joined(separator: ", "))
    }

    /// The route's header operations no manifest key says yet: written without them, and said.
    static func uncomparedHeaders(of route: CaddyRoute) -> [Gap] {
        let unsayable = CaddyHeaderOperations(route.middleware).unsayable
        guard !unsayable.isEmpty else { return [] }
        return [
            Gap(
                path: route.path.text,
                reason: "header has operations the manifest cannot say yet, written without them: " + unsayable.joined(separator: ", "))
        ]
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
