import Foundation
import ReconcileKit

/// Which snippets, imported files and statements of its site each route of a committed
/// Caddyfile comes from, asked of Caddy itself: each piece is emptied in turn and the
/// Caddyfile adapted again; the routes that change or vanish came, at least partly, from
/// it.
///
/// Why not by reading the text: Caddy sorts a snippet's directives into the site by its
/// directive order, fills `{args.0}` from the import line, and a snippet may sit inside
/// a `handle` of the site; only Caddy knows which JSON routes its text ends up in. One
/// `caddy adapt` per piece (a few milliseconds each), only when a route drifted, and at
/// most `maxPieces` snippets and files and `maxPieces` statements a site (a larger site
/// keeps the whole site as its fix); a snippet or file beyond those, or a piece whose
/// emptying does not adapt (it defines a matcher the site uses), is counted as an origin
/// of every route, so a fix never leaves it out.
enum CaddyfileOrigins {
    static let maxPieces = 64

    /// The origins of every route of `desired` (the adapted Caddyfile's sites).
    static func find(
        _ committed: CommittedCaddyfile, desired: [DesiredSite], position: SourcePosition, environment: [String: String]
    ) async -> [String: [CommittedCaddyfile.Piece]] {
        var origins: [String: [CommittedCaddyfile.Piece]] = [:]
        let routes = desired.flatMap { site in site.routes.map { (CommittedCaddyfile.key(site, $0), $0) } }
        for (index, piece) in committed.units.enumerated() {
            if Task.isCancelled { break }
            let changed =
                index < maxPieces
                ? await changed(routes, emptying: piece, of: committed, position: position, environment: environment) : nil
            for key in changed ?? Set(routes.map(\.0)) { origins[key, default: []].append(piece) }
        }
        return origins
    }

    /// The statements each drifted route of `desired` comes from, when everything that
    /// differs in its live site (drifted routes, routes the commit lacks, a shadowed route
    /// counts as differing elsewhere) comes from those statements: then pasting them
    /// makes the site as committed, and the fix can be those statements instead of the
    /// whole site. One `caddy adapt` per statement of a drifted site.
    static func finer(
        _ committed: CommittedCaddyfile, desired: [DesiredSite], live: CaddyRouteTable, position: SourcePosition,
        environment: [String: String]
    ) async -> [String: [CommittedCaddyfile.Piece]] {
        var finer: [String: [CommittedCaddyfile.Piece]] = [:]
        for site in desired {
            guard let differing = CaddyComparison.differingKeys(site, live: live), !differing.isEmpty,
                let block = committed.site(hosts: site.hosts, listen: site.listen)
            else { continue }
            let statements = committed.directives(of: block)
            guard statements.count <= maxPieces else { continue }
            let routes = site.routes.map { (CommittedCaddyfile.key(site, $0), $0) }
            var makes: [Set<String>] = []
            for statement in statements {
                if Task.isCancelled { return [:] }
                // One that cannot go (a matcher others use) is part of every route.
                makes.append(
                    await changed(routes, emptying: statement, of: committed, position: position, environment: environment)
                        ?? Set(routes.map(\.0)))
            }
            for key in differing {
                let own = statements.indices.filter { makes[$0].contains(key) }
                let covered = own.reduce(into: Set<String>()) { $0.formUnion(makes[$1]) }
                if !own.isEmpty, differing.isSubset(of: covered) { finer[key] = own.map { statements[$0] } }
            }
        }
        return finer
    }

    /// The keys of `routes` that change or vanish when `piece` is emptied; nil when the
    /// Caddyfile without it does not adapt.
    static func changed(
        _ routes: [(String, DesiredRoute)], emptying piece: CommittedCaddyfile.Piece, of committed: CommittedCaddyfile,
        position: SourcePosition, environment: [String: String]
    ) async -> Set<String>? {
        guard
            case .adapted(let json) = await CaddyAdapter.adapt(
                committed.emptying(piece), main: committed.main, environment: environment),
            let table = RoutesOutcome<String>(normalizing: json).table
        else { return nil }
        var without: [String: DesiredRoute] = [:]
        for site in DesiredSite.from(table, position: position) {
            for route in site.routes { without[CommittedCaddyfile.key(site, route)] = route }
        }
        return Set(routes.filter { without[$0.0] != $0.1 }.map(\.0))
    }
}
