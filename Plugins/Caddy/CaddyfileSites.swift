/// The site blocks (with their statements) and snippets of a Caddyfile's text, with
/// their addresses and lines, so a fix for a route of a Caddyfile desired state can quote
/// the committed text it comes from and say where it lives (``CommittedCaddyfile``).
struct CaddyfileSites {
    /// One site block: its addresses' host names (lower-cased; empty = any host), ports,
    /// and the text from its address line to its closing brace.
    struct Site {
        var hosts: [String]
        var ports: [String]
        var address: String
        var text: String
        /// The lines it spans (1-based, inclusive).
        var lines: ClosedRange<Int>
        /// Its directives, named matchers and blocks, in order.
        var statements: [Statement] = []
    }

    /// One statement of a site: a directive with its block if it has one (`handle /api/*
    /// { … }`, `root * /srv`, `import static`), or a named matcher: the lines it spans and
    /// its first line's tokens (`handle /api/*`).
    struct Statement {
        var head: String
        var lines: ClosedRange<Int>
    }

    /// One snippet definition `(name) { … }`: its name and the text from its `(name)` line
    /// to its closing brace.
    struct Snippet {
        var name: String
        var text: String
        var lines: ClosedRange<Int>
    }

    let sites: [Site]
    let snippets: [Snippet]

    init(_ text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let tokens = CaddyfileImports.tokens(text)
        var sites: [Site] = []
        var snippets: [Snippet] = []
        var index = 0
        var sawBlock = false
        while index < tokens.count {
            let line = tokens[index].line
            var header: [String] = []
            while index < tokens.count, tokens[index].line == line || header.last?.hasSuffix(",") == true,
                tokens[index].text != "{"
            {
                header.append(tokens[index].text)
                index += 1
            }
            let opens = index < tokens.count && tokens[index].text == "{" && tokens[index].line == tokens[max(index - 1, 0)].line
            if header.isEmpty || opens {
                // A block: the global options (no header), a snippet `(name)`, or a site.
                var depth = 0
                var end = index
                while end < tokens.count {
                    if tokens[end].text == "{" { depth += 1 }
                    if tokens[end].text == "}" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    end += 1
                }
                if header.count == 1, header[0].hasPrefix("("), header[0].hasSuffix(")"), end < tokens.count {
                    snippets.append(
                        Snippet(
                            name: String(header[0].dropFirst().dropLast()),
                            text: Self.text(lines, from: line, to: tokens[end].line), lines: line...tokens[end].line))
                } else if !header.isEmpty, end < tokens.count {
                    sites.append(Self.site(header, lines: lines, from: line, to: tokens[end].line))
                    sites[sites.count - 1].statements = Self.statements(tokens[(index + 1)..<end])
                }
                sawBlock = true
                index = end + 1
            } else {
                // A Caddyfile of one site without braces: its address line, then the rest.
                if !sawBlock || sites.isEmpty {
                    sites.append(Self.site(header, lines: lines, from: line, to: lines.count))
                    sites[sites.count - 1].statements = Self.statements(tokens[index...])
                }
                break
            }
        }
        self.sites = sites
        self.snippets = snippets
    }

    /// The statements of a block's tokens: each starts a line and ends with that line or,
    /// when the line opens a block, with the line closing it.
    static func statements(_ tokens: ArraySlice<(line: Int, text: String)>) -> [Statement] {
        var statements: [Statement] = []
        var index = tokens.startIndex
        while index < tokens.endIndex {
            let first = tokens[index].line
            var last = first
            var depth = 0
            var head: [String] = []
            while index < tokens.endIndex, depth > 0 || tokens[index].line == first {
                let token = tokens[index]
                if token.text == "{" { depth += 1 }
                if token.text == "}" { depth -= 1 }
                if token.line == first && depth == 0 && token.text != "}" { head.append(token.text) }
                last = token.line
                index += 1
            }
            statements.append(Statement(head: head.joined(separator: " "), lines: first...last))
        }
        return statements
    }

    /// Lines `first` to `last` (1-based, inclusive) without trailing newlines.
    static func text(_ lines: [String], from first: Int, to last: Int) -> String {
        var text = lines[(first - 1)..<min(last, lines.count)].joined(separator: "\n")
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    static func site(_ header: [String], lines: [String], from first: Int, to last: Int) -> Site {
        var hosts: [String] = []
        var ports: [String] = []
        for raw in header.flatMap({ $0.split(separator: ",") }) {
            var address = CaddyfileImports.expandPlaceholders(String(raw)).lowercased()
            if let scheme = address.range(of: "://") { address = String(address[scheme.upperBound...]) }
            if let slash = address.firstIndex(of: "/") { address = String(address[..<slash]) }
            var host = address
            if let colon = address.lastIndex(of: ":"), !address.hasSuffix("]") {
                ports.append(String(address[address.index(after: colon)...]))
                host = String(address[..<colon])
            }
            if !host.isEmpty { hosts.append(host) }
        }
        return Site(
            hosts: Array(Set(hosts)).sorted(), ports: ports, address: header.joined(separator: " "),
            text: text(lines, from: first, to: last),
            lines: first...max(first, min(last, lines.count)))
    }
}
