import Foundation
import ReconcileKit

/// The routes of each server's `handle_errors` (`apps.http.servers.NAME.errors.routes`):
/// what answers once a route failed (an `error` directive, an upstream down, a file
/// missing), usually an error or maintenance page. No request is routed to them, so the
/// route table leaves them out; with a Caddyfile as the desired state they are compared
/// here, server by server, as normalised JSON, and discover names them as what the
/// manifest cannot say yet. A changed or removed error page is never invisible.
enum CaddyErrorRoutes {
    /// Each server's error routes, by its listen addresses (server names are generated),
    /// with the server's name for the admin-API path. Servers without any are left out.
    static func byServer(_ data: Data) -> [String: (server: String, routes: JSONValue)] {
        guard data.range(of: Data("\"errors\"".utf8)) != nil, let config = try? JSONValue.parse(data),
            let servers = config["apps"]?["http"]?["servers"]?.object
        else { return [:] }
        var result: [String: (server: String, routes: JSONValue)] = [:]
        for (name, server) in servers {
            guard let routes = server["errors"]?["routes"], routes.array?.isEmpty == false else { continue }
            let listen = (server["listen"]?.array ?? []).compactMap(\.string).map(CaddyComparison.normalizedListen)
            result[listen.sorted().joined(separator: " ")] = (name, routes)
        }
        return result
    }

    /// One finding per server that has error routes live or in the committed Caddyfile.
    static func findings(
        desired: Data, live: Data, caddyfile path: String, committed: CommittedCaddyfile?, position: SourcePosition
    ) -> [Finding] {
        let want = byServer(desired)
        let have = byServer(live)
        return Set(want.keys).union(have.keys).sorted().map { listen in
            let resource = "handle_errors on \(listen)"
            let server = have[listen]?.server ?? want[listen]!.server
            let differences = CaddyJSON.differences(
                want[listen]?.routes ?? .array([]), have[listen]?.routes ?? .array([]),
                at: "/config/apps/http/servers/\(server)/errors/routes")
            let count = { (routes: JSONValue?) in "\(routes?.array?.count ?? 0) error route(s)" }
            guard !differences.isEmpty else {
                return Finding(
                    checker: CaddyComparison.checker, resource: resource, status: .ok, expected: count(want[listen]?.routes),
                    observed: count(have[listen]?.routes), message: "handle_errors on \(listen) in sync with \(path)",
                    position: position)
            }
            let pieces = committed?.errorHandling(listen: listen.split(separator: " ").map(String.init)) ?? []
            let summary =
                pieces.isEmpty
                ? "Load the committed \(path): the live handle_errors differ from it."
                : "Replace the handle_errors of the running Caddyfile with the committed text below (each after a "
                    + "comment line `# FILE:LINES: WHAT` saying where it lives), or load the whole file."
            return Finding(
                checker: CaddyComparison.checker, resource: resource, status: .drift, expected: count(want[listen]?.routes),
                observed: count(have[listen]?.routes),
                message: "handle_errors on \(listen) differ from \(path) at "
                    + differences.map(\.text).joined(separator: "; "),
                fix: Fix(
                    summary: summary, snippet: pieces.isEmpty ? nil : pieces.map { "\($0.header)\n\($0.text)" }.joined(separator: "\n\n"),
                    language: pieces.isEmpty ? nil : "caddyfile"),
                position: position)
        }
    }
}

extension CommittedCaddyfile {
    /// The committed `handle_errors` blocks of the sites served on `listen`, else those
    /// sites whole (their error handling comes from a snippet or an imported file).
    func errorHandling(listen: [String]) -> [Piece] {
        let ports = Set(listen.compactMap { $0.split(separator: ":").last.map(String.init) })
        let served = sites.filter { !Set($0.site.ports).isDisjoint(with: ports) }.map(\.piece)
        let blocks = served.flatMap { site in
            directives(of: site).filter { piece in
                guard case .directive(_, _, let head) = piece.kind else { return false }
                return head == "handle_errors" || head.hasPrefix("handle_errors ")
            }
        }
        return blocks.isEmpty ? served : blocks
    }
}
