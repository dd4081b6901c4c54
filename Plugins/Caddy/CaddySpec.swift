import ReconcileKit

/// The `caddy:` section: which admin API to ask, and the routes Caddy must serve,
/// written out as `sites:` or kept as a Caddyfile in the same repository.
///
/// Every field is decoded with its position, so a typo in a path or an upstream points
/// at its line, and every finding about a route points back at where it was declared.
public struct CaddySpec: ManifestSection {
    public static let key = "caddy"
    public static let summary = "Which admin API to ask, and the routes Caddy must serve."
    public static let shape = ManifestShape.object(object)
    /// Caddy's own default admin address.
    public static let defaultAdmin = "http://localhost:2019"

    /// Where the desired routes come from.
    public enum Desired: Sendable, Hashable {
        /// Written out in the manifest.
        case sites([CaddySiteSpec])
        /// A Caddyfile at this repository path, read at the manifest's ref and adapted.
        case caddyfile(path: String, position: SourcePosition)
    }

    /// Whether live routes the manifest does not name are findings.
    public enum UnmanagedRoutes: String, Sendable, CaseIterable {
        case ignore
        case report
    }

    public var admin: HTTPEndpoint
    public var desired: Desired
    public var unmanagedRoutes = UnmanagedRoutes.ignore
    /// Send real requests through Caddy to prove the routes behave.
    public var probes = false
    /// Where Caddy serves requests (for probes).
    public var listen: HTTPEndpoint?
    /// With `caddyfile:`, where an apply also writes the Caddyfile (atomically), so a
    /// restart of Caddy keeps what was loaded.
    public var writeCaddyfile: String?
    /// Where `write_caddyfile` is written, for validate's listing of what the operator config decides.
    var writeCaddyfilePosition: SourcePosition?
    public var position = SourcePosition(file: "-", line: 1, column: 1)

    static let endpoint = ManifestShape.string(.url(schemes: ["http", "https", "unix"]))
    static let object = ManifestObject(
        [
            .optional("admin", endpoint, "Caddy's admin API: http://127.0.0.1:2019 or unix:///run/caddy/admin.sock."),
            .optional("sites", .list(.object(CaddySiteSpec.object)), "The routes, written out per site."),
            .optional("caddyfile", .string(.nonEmpty), "A Caddyfile in this repository (read at the same ref) to compare with."),
            .optional("unmanaged_routes", .string(.choice(of: UnmanagedRoutes.self)), "Whether live routes not named here are drift."),
            .optional("probes", .boolean, "Send real requests through Caddy to prove the routes behave (needs listen)."),
            .optional("listen", endpoint, "Where Caddy serves requests, for probes."),
            .optional(
                "write_caddyfile", .string(.absolutePath),
                "With caddyfile: also write the Caddyfile here when applying, so a restart of Caddy keeps it."),
        ],
        exclusive: [
            ExclusiveKeys(
                ["sites", "caddyfile"], conflict: "give either sites: or caddyfile:, not both",
                missing: "missing the desired routes: add sites: (routes written out) or caddyfile: PATH")
        ])

}

extension CaddySpec {
    public init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        position = node.position
        if let adminNode = map.optional("admin") {
            admin = try Self.endpoint(adminNode)
        } else {
            admin = try HTTPEndpoint(parsing: Self.defaultAdmin)
        }
        if let sitesNode = map.optional("sites") {
            desired = .sites(try Self.sites(sitesNode))
        } else {
            let fileNode = try map.required("caddyfile")
            var path = try fileNode.string()
            while path.hasPrefix("./") { path.removeFirst(2) }
            guard !path.hasPrefix("/") else {
                throw fileNode.error("'\(path)' must be a path inside the repository (it is read at the same ref)")
            }
            desired = .caddyfile(path: path, position: fileNode.position)
        }
        unmanagedRoutes = try map.optional("unmanaged_routes")?.choice(UnmanagedRoutes.self) ?? .ignore
        probes = try map.optional("probes")?.bool() ?? false
        listen = try map.optional("listen").map(Self.endpoint)
        writeCaddyfile = nil
        if let writeNode = map.optional("write_caddyfile") {
            guard case .caddyfile = desired else {
                throw writeNode.error("write_caddyfile writes the caddyfile: of this section; it needs caddyfile: PATH")
            }
            writeCaddyfile = try writeNode.string()
            writeCaddyfilePosition = writeNode.position
        }
        if probes && listen == nil {
            throw (map.optional("probes") ?? node).error(
                "probes: true needs listen: the URL Caddy serves on (e.g. http://127.0.0.1:80)")
        }
    }

    static func endpoint(_ node: ManifestNode) throws -> HTTPEndpoint {
        let text = try node.string()
        do {
            return try HTTPEndpoint(parsing: text)
        } catch {
            throw node.error(error.message)
        }
    }

    /// The sites, one per host set, or several for one host set when each names other
    /// `listen:` addresses (a config whose servers serve the same hosts differently).
    static func sites(_ node: ManifestNode) throws -> [CaddySiteSpec] {
        let sites = try node.list().map { try CaddySiteSpec(from: $0) }
        var seen: [[String]: [CaddySiteSpec]] = [:]
        for site in sites {
            let label = site.hosts.isEmpty ? "any host" : site.hosts.joined(separator: ", ")
            for first in seen[site.hosts] ?? [] {
                guard let listen = site.listen, let other = first.listen else {
                    throw ManifestError(
                        position: site.position, keyPath: node.keyPath,
                        message: "a second site for \(label) (the first is at line \(first.position.line)); merge their routes, "
                            + "or give each its server's listen: addresses")
                }
                if Set(listen.map(CaddyComparison.normalizedListen)) == Set(other.map(CaddyComparison.normalizedListen)) {
                    throw ManifestError(
                        position: site.position, keyPath: node.keyPath,
                        message: "a second site for \(label) on \(listen.joined(separator: ", ")) (the first is at line "
                            + "\(first.position.line)); merge their routes")
                }
            }
            seen[site.hosts, default: []].append(site)
        }
        return sites
    }
}

/// One site block: the hosts it answers for (none = any host) and its routes.
public struct CaddySiteSpec: Sendable, Hashable {
    /// Lower-cased and sorted, as the normaliser keeps the live hosts.
    public var hosts: [String]
    /// The listen addresses of the server that must serve the site (`:8080`), or nil
    /// when any server may.
    public var listen: [String]?
    public var routes: [CaddyRouteSpec]
    public var position: SourcePosition

    public init(hosts: [String], listen: [String]? = nil, routes: [CaddyRouteSpec], position: SourcePosition) {
        self.listen = listen
        self.hosts = hosts.map { $0.lowercased() }.sorted()
        self.routes = routes
        self.position = position
    }

    static let object = ManifestObject([
        .optional(
            "hosts", .list(.string(.nonEmpty)),
            "The host names the site answers for (omitted: any host; *.example.com: a wildcard site)."),
        .optional(
            "listen", .list(.string(.pattern("\\S*:[0-9]+", hint: "an address with a port, such as :8080 or 127.0.0.1:8080"))),
            "The server's listen addresses, when a config has several servers (:80, :8080)."),
        .required("routes", .list(.object(CaddyRouteSpec.object)), "The site's routes, most specific first as Caddy orders them."),
    ])

    init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        position = node.position
        var hosts: [String] = []
        if let hostsNode = map.optional("hosts") {
            for item in try hostsNode.list() {
                let host = try item.string().lowercased()
                if host.contains("://") || host.contains("/") || host.contains(" ") {
                    throw item.error("'\(host)' is not a host name; write only the name, as in rims.example.com")
                }
                if !host.hasPrefix("["), host.contains(":") {
                    throw item.error("'\(host)': hosts match the Host header without a port; drop the ':port'")
                }
                hosts.append(host)
            }
        }
        self.hosts = Array(Set(hosts)).sorted()
        listen = try map.optional("listen")?.stringList()
        let routesNode = try map.required("routes")
        routes = try routesNode.list().map { try CaddyRouteSpec(from: $0) }
        var seen: [String: SourcePosition] = [:]
        for route in routes {
            if let first = seen[route.pairingKey] {
                throw ManifestError(
                    position: route.position, keyPath: routesNode.keyPath,
                    message: "a second route for \(route.path)\(route.conditions.isEmpty ? "" : " with the same match:") "
                        + "in this site (the first is at line \(first.line))")
            }
            seen[route.pairingKey] = route.position
        }
    }
}

extension CaddySpec: TrustSensitive {
    /// `caddyfile:` makes reconcile run `caddy adapt` on a file of the repository, and
    /// `write_caddyfile:` makes an apply write it to a path of the host.
    public var trustFields: [TrustField] {
        guard case .caddyfile(let path, let position) = desired else { return [] }
        let write = writeCaddyfile.map {
            TrustField(.caddyfileWrite($0), position: writeCaddyfilePosition ?? position, keyPath: "caddy.write_caddyfile")
        }
        return [TrustField(.caddyAdapt(path), position: position, keyPath: "caddy.caddyfile")] + (write.map { [$0] } ?? [])
    }
}
