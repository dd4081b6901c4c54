import Foundation
import ReconcileKit

/// The committed Caddyfile and the files it imports, as the pieces a fix can quote and
/// point at: site blocks, snippets `(name) { … }`, and files of directives imported
/// inside a block (`import sites/*.caddy` in a site).
///
/// Why pieces: a route's text does not always live in its site block. When it comes from
/// a snippet or an imported file, quoting only the site would bring back its `import`
/// line and leave the drifted snippet or file as it is. ``CaddyfileOrigins`` finds which
/// pieces each route comes from; the fix quotes those and the site, each with where it
/// lives (file and lines), so it can be pasted there.
struct CommittedCaddyfile: Sendable {
    /// A piece of committed text: where it lives and what it is.
    struct Piece: Sendable, Hashable {
        enum Kind: Sendable, Hashable {
            case site(address: String)
            case snippet(name: String)
            /// A whole file of directives, imported inside a block.
            case file
        }

        var kind: Kind
        var path: String
        /// The lines it spans in `path` (1-based, inclusive).
        var lines: ClosedRange<Int>
        var text: String

        /// `deploy/Caddyfile:6-11`.
        var place: String { "\(path):\(lines.lowerBound)-\(lines.upperBound)" }

        var title: String {
            switch kind {
            case .site(let address): "site \(address)"
            case .snippet(let name): "snippet (\(name))"
            case .file: "the whole file"
            }
        }

        /// The comment line a fix puts above the piece's text: where to paste it.
        var header: String { "# \(place): \(title)" }
    }

    /// The Caddyfile's repository path.
    let main: String
    /// Every file by repository path, the Caddyfile's own included.
    let texts: [String: String]
    let sites: [(piece: Piece, site: CaddyfileSites.Site)]
    /// The snippets and directive files: what a route can come from besides its site.
    let units: [Piece]
    let statements: [CaddyfileImports.Statement]
    /// The units each route comes from, by ``key(_:_:)``.
    var origins: [String: [Piece]] = [:]

    init(_ collected: CaddyfileImports.Collected, main: String) {
        self.main = main
        texts = collected.files.mapValues { String(decoding: $0, as: UTF8.self) }
        statements = collected.statements
        var sites: [(Piece, CaddyfileSites.Site)] = []
        var units: [Piece] = []
        for path in texts.keys.sorted() {
            let text = texts[path] ?? ""
            guard collected.topLevel.contains(path) else {
                let count = text.split(separator: "\n", omittingEmptySubsequences: false).count - (text.hasSuffix("\n") ? 1 : 0)
                units.append(Piece(kind: .file, path: path, lines: 1...max(1, count), text: text))
                continue
            }
            let parsed = CaddyfileSites(text)
            sites += parsed.sites.map { (Piece(kind: .site(address: $0.address), path: path, lines: $0.lines, text: $0.text), $0) }
            units += parsed.snippets.map { Piece(kind: .snippet(name: $0.name), path: path, lines: $0.lines, text: $0.text) }
        }
        self.sites = sites
        self.units = units
    }

    /// Which route of which site: hosts, listen addresses and the route's pairing key.
    static func key(_ site: DesiredSite, _ route: DesiredRoute) -> String {
        "\(site.hosts.joined(separator: ","))|\((site.listen ?? []).sorted().joined(separator: ","))|\(route.pairingKey)"
    }

    /// The site block serving `hosts` on a server listening at `listen`.
    func site(hosts: [String], listen: [String]?) -> Piece? {
        let matching = sites.filter { $0.site.hosts == hosts }
        guard matching.count > 1, let listen else { return matching.first?.piece }
        let ports = Set(listen.compactMap { $0.split(separator: ":").last.map(String.init) })
        return (matching.first { !Set($0.site.ports).isDisjoint(with: ports) } ?? matching.first)?.piece
    }

    /// The files `piece` becomes when it is emptied: a snippet keeps its name and loses
    /// its body; a file of directives becomes a named matcher nothing uses (Caddy refuses
    /// to import a file without tokens, and an unused matcher adds no route).
    func emptying(_ piece: Piece) -> [String: Data] {
        var files = texts
        switch piece.kind {
        case .snippet(let name):
            var lines = (texts[piece.path] ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines.replaceSubrange((piece.lines.lowerBound - 1)...(piece.lines.upperBound - 1), with: ["(\(name)) {", "}"])
            files[piece.path] = lines.joined(separator: "\n")
        case .file:
            files[piece.path] = "@reconcile_emptied path /reconcile-emptied\n"
        case .site:
            break
        }
        return files.mapValues { Data($0.utf8) }
    }

    /// Where `piece` is imported (`deploy/Caddyfile:17`).
    func importedAt(_ piece: Piece) -> [String] {
        statements.filter { statement in
            switch piece.kind {
            case .snippet(let name): statement.files.isEmpty && statement.pattern == name
            case .file: statement.files.contains(piece.path)
            case .site: false
            }
        }
        .map { "\($0.from):\($0.line)" }.sorted()
    }

    /// The fix of a drifted route of a Caddyfile desired state: the snippets and files
    /// it comes from and its site block, as committed, each after the line saying where
    /// it lives; nil when no committed site serves it.
    func fix(for route: DesiredRoute, of desired: DesiredSite) -> Fix? {
        guard let site = site(hosts: desired.hosts, listen: desired.listen), case .site(let address) = site.kind else {
            return nil
        }
        let from = origins[Self.key(desired, route)] ?? []
        let pieces = from + [site]
        let tail =
            "or load the whole file; the message says what differs, at which path of the live JSON."
        let summary: String
        if from.isEmpty {
            summary =
                "Replace the site block \(address) (\(site.place)) of the running Caddyfile with the one "
                + "committed (below), \(tail)"
        } else {
            let origins = from.map { piece in
                let imported = importedAt(piece)
                return "the \(piece.kind == .file ? "file \(piece.path)" : "\(piece.title) at \(piece.place)")"
                    + (imported.isEmpty ? "" : ", imported at \(imported.joined(separator: ", "))")
            }
            summary =
                "The route comes from \(origins.joined(separator: "; ")), in the site block \(address) "
                + "(\(site.place)): replace each of these in the running Caddyfile with its committed text below (each "
                + "after a comment line `# FILE:LINES: WHAT` saying where it lives), \(tail)"
        }
        return Fix(
            summary: summary, snippet: pieces.map { "\($0.header)\n\($0.text)" }.joined(separator: "\n\n"),
            language: "caddyfile")
    }
}
