import Foundation
import ReconcileKit

/// Which snippets and imported files each route of a committed Caddyfile comes from,
/// asked of Caddy itself: each snippet or file of directives is emptied in turn and the
/// Caddyfile adapted again; the routes that change or vanish came, at least partly, from
/// it.
///
/// Why not by reading the text: Caddy sorts a snippet's directives into the site by its
/// directive order, fills `{args[0]}` from the import line, and a snippet may sit inside
/// a `handle` of the site; only Caddy knows which JSON routes its text ends up in. One
/// `caddy adapt` per piece (a few milliseconds each), at most `maxPieces` per run; a piece
/// beyond those, or whose emptying does not adapt (it defines a matcher the site uses),
/// is counted as an origin of every route, so a fix never leaves it out.
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
            let changed: [String]
            if index < maxPieces,
                case .adapted(let json) = await CaddyAdapter.adapt(
                    committed.emptying(piece), main: committed.main, environment: environment),
                let table = RoutesOutcome<String>(normalizing: json).table
            {
                var without: [String: DesiredRoute] = [:]
                for site in DesiredSite.from(table, position: position) {
                    for route in site.routes { without[CommittedCaddyfile.key(site, route)] = route }
                }
                changed = routes.filter { without[$0.0] != $0.1 }.map(\.0)
            } else {
                changed = routes.map(\.0)
            }
            for key in changed { origins[key, default: []].append(piece) }
        }
        return origins
    }
}
