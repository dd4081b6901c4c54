import Foundation
import ReconcileKit

/// The committed Caddyfile and the files it imports, as the pieces a fix can quote and
/// point at: site blocks and their statements, snippets `(name) { … }`, and files of
/// directives imported inside a block (`import sites/*.caddy` in a site).
///
/// Why pieces: a route's text does not always live in its site block. When it comes from
/// a snippet or an imported file, quoting only the site would bring back its `import`
/// line and leave the drifted snippet or file as it is. ``CaddyfileOrigins`` finds which
/// pieces each route comes from; the fix quotes those, each after a line saying where it
/// lives (file and lines), so it can be pasted there.
///
/// Why the whole site when in doubt: a route's behaviour can come from several
/// statements of its site (its `root *`, the `handle` it is in, a named matcher, a guard),
/// and reconcile sees the live JSON, not the running Caddyfile. The route's own
/// statements are its fix only when everything that differs in the live site comes from
/// them (``CaddyfileOrigins/finer(_:desired:live:position:environment:)``); otherwise
/// (a route the commit lacks, a shadowed route, several statements drifted apart) only
/// the site as committed is certain to make the site as committed.
struct CommittedCaddyfile: Sendable {
    /// A piece of committed text: where it lives and what it is.
    struct Piece: Sendable, Hashable {
        enum Kind: Sendable, Hashable {
            case site(address: String)
            case snippet(name: String)
            /// A whole file of directives, imported inside a block.
            case file
            /// The `index`th statement (from 0) of the site block `site`.
            case directive(site: String, index: Int, head: String)
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
            case .directive(let site, let index, let head): "directive \(index + 1) of site \(site): \(head)"
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
    /// For a drifted route whose site differs from the committed one only in routes these
    /// statements make: the statements, its fix in place of the whole site.
    var finer: [String: [Piece]] = [:]

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

    /// The statements of the site block `site`, as pieces.
    func directives(of site: Piece) -> [Piece] {
        guard case .site(let address) = site.kind, let parsed = sites.first(where: { $0.piece == site })?.site else { return [] }
        let lines = self.lines(of: site.path)
        return parsed.statements.enumerated().map { index, statement in
            Piece(
                kind: .directive(site: address, index: index, head: statement.head), path: site.path, lines: statement.lines,
                text: CaddyfileSites.text(lines, from: statement.lines.lowerBound, to: statement.lines.upperBound))
        }
    }

    /// The lines of the committed file `path`.
    private func lines(of path: String) -> [String] {
        (texts[path] ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The files `piece` becomes when it is emptied: a snippet keeps its name and loses
    /// its body; a file of directives becomes a named matcher nothing uses (Caddy refuses
    /// to import a file without tokens, and an unused matcher adds no route).
    func emptying(_ piece: Piece) -> [String: Data] {
        var files = texts
        switch piece.kind {
        case .snippet(let name):
            var lines = self.lines(of: piece.path)
            lines.replaceSubrange((piece.lines.lowerBound - 1)...(piece.lines.upperBound - 1), with: ["(\(name)) {", "}"])
            files[piece.path] = lines.joined(separator: "\n")
        case .file:
            files[piece.path] = "@reconcile_emptied path /reconcile-emptied\n"
        case .directive:
            var lines = self.lines(of: piece.path)
            for line in piece.lines where line <= lines.count { lines[line - 1] = "" }
            files[piece.path] = lines.joined(separator: "\n")
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
            case .site, .directive: false
            }
        }
        .map { "\($0.from):\($0.line)" }.sorted()
    }

    /// `the snippet (static) at deploy/Caddyfile:10-15, imported at deploy/Caddyfile:18`.
    func describe(_ piece: Piece) -> String {
        let imported = importedAt(piece)
        let what: String
        switch piece.kind {
        case .file: what = "the file \(piece.path)"
        case .directive(_, let index, let head): what = "directive \(index + 1) (`\(head)`, \(piece.place))"
        case .site, .snippet: what = "the \(piece.title) at \(piece.place)"
        }
        return what + (imported.isEmpty ? "" : ", imported at \(imported.joined(separator: ", "))")
    }

    /// The fix of a drifted route of a Caddyfile desired state: the snippets and files
    /// it comes from and its statements (when nothing else of its site differs) or its
    /// site block, as committed, each after the line saying where it lives; nil when no
    /// committed site serves it.
    func fix(for route: DesiredRoute, of desired: DesiredSite) -> Fix? {
        guard let site = site(hosts: desired.hosts, listen: desired.listen), case .site(let address) = site.kind else {
            return nil
        }
        let key = Self.key(desired, route)
        let from = origins[key] ?? []
        let paste =
            "replace each of these in the running Caddyfile with its committed text below (each after a comment line "
            + "`# FILE:LINES: WHAT` saying where it lives)"
        let tail = "or load the whole file; the message says what differs, at which path of the live JSON."
        let summary: String
        let pieces: [Piece]
        if let statements = finer[key] {
            pieces = from + statements
            let own = statements.map(describe).joined(separator: ", ") + " of the site block \(address) (\(site.place))"
            summary =
                "The route comes from \((from.map(describe) + [own]).joined(separator: "; ")), and nothing else of the "
                + "site differs from the commit: \(paste); a directive the running site lacks goes after the one "
                + "before it, \(tail)"
        } else if from.isEmpty {
            pieces = [site]
            summary =
                "Replace the site block \(address) (\(site.place)) of the running Caddyfile with the one committed "
                + "(below), \(tail)"
        } else {
            pieces = from + [site]
            summary =
                "The route comes from \(from.map(describe).joined(separator: "; ")), in the site block \(address) "
                + "(\(site.place)): \(paste), \(tail)"
        }
        return Fix(
            summary: summary, snippet: pieces.map { "\($0.header)\n\($0.text)" }.joined(separator: "\n\n"),
            language: "caddyfile")
    }
}
