import Foundation
import Testing

@testable import CaddyChecker

/// Pastes a Caddyfile fix where it says it goes, as a person would: each piece of the
/// fix follows a line `# FILE:FIRST-LAST: WHAT` (a site, a snippet, a whole file, the
/// n-th directive of a site), and replaces that site block or snippet (found by its
/// address or name, since the running file's lines may differ from the committed ones),
/// that whole file, or the site's n-th statement (inserted there when the running site
/// has another directive in that place).
enum CaddyfilePaste {
    struct Piece {
        var path: String
        var what: String
        var text: String
    }

    /// The pieces of a fix's snippet, each with the file it names.
    static func pieces(_ fix: String) throws -> [Piece] {
        var pieces: [Piece] = []
        for line in fix.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let header = try /^# (\S+):\d+-\d+: (site .+|snippet \(.+\)|the whole file|directive \d+ of site .+)$/
                .wholeMatch(in: line)
            {
                pieces.append(Piece(path: String(header.1), what: String(header.2), text: ""))
                continue
            }
            let last = try #require(pieces.indices.last, "a fix that does not say where it goes: \(fix)")
            pieces[last].text += (pieces[last].text.isEmpty ? "" : "\n") + line
        }
        for index in pieces.indices {
            while pieces[index].text.hasSuffix("\n") { pieces[index].text.removeLast() }
        }
        return pieces
    }

    /// What makes two statements the same one whatever their values: the directive and its
    /// matcher (`handle /api/*`, `root *`, `reverse_proxy` with no matcher).
    static func identity(_ head: String) -> [Substring] {
        let tokens = head.split(separator: " ")
        guard tokens.count > 1, let matcher = tokens[1].first, "/*@".contains(matcher) else { return Array(tokens.prefix(1)) }
        return Array(tokens.prefix(2))
    }

    /// `files` (the running Caddyfile and its imports, by path below the directory of the
    /// committed Caddyfile `main`) with every piece of `fix` pasted in its place.
    static func paste(_ fix: String, into files: inout [String: String], main: String) throws {
        let directory = (main as NSString).deletingLastPathComponent
        for piece in try pieces(fix) {
            let path = directory.isEmpty ? piece.path : String(piece.path.dropFirst(directory.count + 1))
            if piece.what == "the whole file" {
                files[path] = piece.text + "\n"
                continue
            }
            let live = try #require(files[path], "the fix names \(piece.path), which is not running")
            let running = CaddyfileSites(live)
            var lines: ClosedRange<Int>
            var insert = false
            if let directive = try /directive (\d+) of site (.+?): (.+)/.wholeMatch(in: piece.what) {
                // The running site's statement at the same place when it is the same
                // directive with the same matcher, else the only one that is; else the
                // committed one goes in at its place (or at the end).
                let address = CaddyfileSites(String(directive.2) + " {\n}").sites.first
                let site = try #require(
                    running.sites.first { $0.hosts == address?.hosts && $0.ports == address?.ports },
                    "no site \(directive.2) in \(path)")
                let index = Int(directive.1)! - 1
                let same = site.statements.filter { identity($0.head) == identity(String(directive.3)) }
                if index < site.statements.count, identity(site.statements[index].head) == identity(String(directive.3)) {
                    lines = site.statements[index].lines
                } else if same.count == 1 {
                    lines = same[0].lines
                } else {
                    lines = index < site.statements.count ? site.statements[index].lines : site.lines.upperBound...site.lines.upperBound
                    insert = true
                }
            } else if piece.what.hasPrefix("snippet ") {
                let name = piece.what.dropFirst("snippet (".count).dropLast()
                lines = try #require(running.snippets.first { $0.name == name }, "no snippet (\(name)) in \(path)").lines
            } else {
                let site = try #require(CaddyfileSites(piece.text).sites.first, "a site piece that is no site: \(piece.text)")
                lines = try #require(
                    running.sites.first {
                        $0.hosts == site.hosts && (Set($0.ports) == Set(site.ports) || !Set($0.ports).isDisjoint(with: site.ports))
                    },
                    "no site \(site.address) in \(path)"
                ).lines
            }
            var text = live.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if insert {
                text.insert(piece.text, at: lines.lowerBound - 1)
            } else {
                text.replaceSubrange((lines.lowerBound - 1)...(lines.upperBound - 1), with: [piece.text])
            }
            files[path] = text.joined(separator: "\n")
        }
    }
}
