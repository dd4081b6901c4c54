/// Prints a `YAMLNode` as block-style YAML that reads back, through reconcile's
/// manifest decoder, as exactly the values it was given.
///
/// The one place discovered text becomes YAML: every string is double-quoted with
/// YAML's escapes (quotes, backslashes, and what `UntrustedText.mustEscape` never
/// shows as itself: control, bidi and separator characters), `${` is
/// written `$${` (the manifest's literal form, so a discovered `${x}` is not read as a
/// variable), keys that a YAML reader could take for something else are quoted, and
/// comment lines are escaped as terminal lines (a newline in a discovered name cannot
/// end the comment and start a key).
public enum YAMLWriter {
    /// The document: `comments` first, then the mapping's entries at the top level.
    public static func document(_ entries: [YAMLEntry], comments: [String] = []) -> String {
        var lines = comments.flatMap(commentLines(indent: ""))
        lines += mapping(entries, indent: "")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The lines of a block mapping at `indent`.
    /// At the top level, an entry with comments is set apart by a blank line.
    static func mapping(_ entries: [YAMLEntry], indent: String) -> [String] {
        entries.enumerated().flatMap { index, entry -> [String] in
            let gap = indent.isEmpty && index > 0 && !entry.comments.isEmpty ? [""] : []
            return gap + entry.comments.flatMap(commentLines(indent: indent)) + keyed(key(entry.key), entry.value, indent: indent)
        }
    }

    /// `key: scalar`, or `key:` with the block below it.
    static func keyed(_ key: String, _ value: YAMLNode, indent: String) -> [String] {
        switch value {
        case .list(let items) where !items.isEmpty:
            return ["\(indent)\(key):"] + sequence(items, indent: indent + "  ")
        case .map(let entries) where !entries.isEmpty:
            return ["\(indent)\(key):"] + mapping(entries, indent: indent + "  ")
        default:
            return ["\(indent)\(key): \(inline(value))"]
        }
    }

    /// The lines of a block sequence at `indent`. A mapping item starts on the dash's
    /// line; its first entry's comments move above the dash.
    static func sequence(_ items: [YAMLItem], indent: String) -> [String] {
        items.flatMap { item -> [String] in
            var lines = item.comments.flatMap(commentLines(indent: indent))
            switch item.value {
            case .map(var entries) where !entries.isEmpty:
                lines += entries[0].comments.flatMap(commentLines(indent: indent))
                entries[0].comments = []
                var block = mapping(entries, indent: indent + "  ")
                block[0] = indent + "- " + block[0].dropFirst(indent.count + 2)
                lines += block
            case .list(let inner) where !inner.isEmpty:
                lines += ["\(indent)-"] + sequence(inner, indent: indent + "  ")
            default:
                lines.append("\(indent)- \(inline(item.value))")
            }
            return lines
        }
    }

    /// A scalar, or an empty collection, on one line.
    static func inline(_ value: YAMLNode) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .int(let number): String(number)
        case .double(let number): double(number)
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .list: "[]"
        case .map: "{}"
        }
    }

    static func double(_ number: Double) -> String {
        if number.isNaN { return ".nan" }
        if number.isInfinite { return number < 0 ? "-.inf" : ".inf" }
        // `1e+20` is a YAML 1.2 float; Swift's `1e+20` already is. `5.0` stays a float.
        return String(number)
    }

    /// A key: plain when it is an identifier no YAML reader takes for a boolean or null,
    /// quoted otherwise.
    static func key(_ text: String) -> String {
        let reserved: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"]
        let plain =
            !text.isEmpty && !reserved.contains(text.lowercased())
            && text.unicodeScalars.first.map { ("A"..."Z").contains($0) || ("a"..."z").contains($0) || $0 == "_" } == true
            && text.unicodeScalars.allSatisfy {
                ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
            }
        return plain ? text : quoted(text, literalDollars: true)
    }

    /// A double-quoted scalar: `"` and `\` escaped, and every scalar `UntrustedText`
    /// never shows as itself (control, bidi, separator, noncharacter: its one list)
    /// written as a YAML escape; `${` doubled to `$${` unless `literalDollars` (keys are
    /// not substituted).
    public static func quoted(_ text: String, literalDollars: Bool = false) -> String {
        let source = literalDollars ? text : text.replacingOccurrences(of: "${", with: "$${")
        var result = "\""
        for scalar in source.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if UntrustedText.mustEscape(scalar) {
                    result += "\\u" + UntrustedText.hex(scalar.value, digits: 4)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// A comment, one `# ` line per line of `text`, each escaped as a terminal line.
    static func commentLines(indent: String) -> (String) -> [String] {
        { text in
            text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.isEmpty ? "\(indent)#" : "\(indent)# " + UntrustedText.terminalLine(line, limit: 1000)
            }
        }
    }
}
