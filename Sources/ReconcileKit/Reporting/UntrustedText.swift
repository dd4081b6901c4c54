/// Text reconcile did not write itself (what a live service answered, a manifest's
/// scalar, an exception's message) made safe to show, in one place for every output.
///
/// A service can answer with terminal escape sequences (`ESC ]` retitles a terminal,
/// `ESC [2J` clears it, OSC 52 writes to the clipboard), a NUL or a BEL, C1 controls,
/// or Unicode bidi overrides that make a line read differently than it is; and it can
/// answer with a million digits. So every renderer passes such text through here:
/// control and bidi characters become visible escapes (`\x1B`, `\u{202E}`), and the
/// length is capped with a marker saying how much was left out. The targets differ
/// only in what else they must encode on top: a terminal line escapes its newlines
/// too, a GitHub annotation percent-encodes `%`, CR and LF as GitHub's toolkit does
/// (and `:` and `,` in properties), JSON only caps (its encoder escapes controls).
/// Markdown (a plan, a step summary) uses `markdownCell` and `markdownCode`; the HTML status page and its SVG
/// use `html`.
public enum UntrustedText {
    /// The most characters (Unicode scalars) of one field shown by default.
    public static let defaultLimit = 400

    /// One line on a terminal: every control character escaped, newlines included.
    public static func terminalLine(_ text: some StringProtocol, limit: Int = defaultLimit) -> String {
        escaped(text, keepingNewlines: false, limit: limit)
    }

    /// Several lines on a terminal (an error message that spans lines): as
    /// `terminalLine`, but line feeds are kept, each line capped on its own.
    public static func terminalLines(_ text: some StringProtocol, limit: Int = defaultLimit) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { escaped($0, keepingNewlines: false, limit: limit) }.joined(separator: "\n")
    }

    /// The message of a GitHub workflow command (`::error …::MESSAGE`): controls escaped,
    /// capped, then `%`, CR and LF percent-encoded (line feeds show as line breaks).
    public static func annotationMessage(_ text: some StringProtocol, limit: Int = defaultLimit) -> String {
        escaped(text, keepingNewlines: true, limit: limit).replacingOccurrences(of: "%", with: "%25")
            .replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    /// A property of a GitHub workflow command (`file=…,title=…`): as a message, plus
    /// `:` and `,`, which would end the property.
    public static func annotationProperty(_ text: some StringProtocol, limit: Int = defaultLimit) -> String {
        annotationMessage(text, limit: limit).replacingOccurrences(of: ":", with: "%3A")
            .replacingOccurrences(of: ",", with: "%2C")
    }

    /// Text in an HTML or SVG page, as element content or a quoted attribute value:
    /// controls escaped visibly and capped (line feeds kept), then `&`, `<`, `>`, `"` and
    /// `'` as character references, so a service's answer can never become markup.
    public static func html(_ text: some StringProtocol, limit: Int = defaultLimit) -> String {
        var result = ""
        for character in escaped(text, keepingNewlines: true, limit: limit) {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A Markdown table cell or `<summary>` (a PR comment, a step summary): as `html`, on
    /// one line, with Markdown's own marks escaped, so a value can neither end the cell
    /// nor format the page; and `@` and `#` followed by a zero-width joiner, so a name
    /// such as `@owner` or `#123` neither notifies anyone nor links an issue when GitHub
    /// renders it (it links them in text after Markdown, backslash-escaped or not).
    public static func markdownCell(_ text: some StringProtocol, limit: Int = 500) -> String {
        var result = ""
        var previous: Character = " "
        for character in html(String(text.map { $0.isNewline ? " " : $0 }), limit: limit) {
            if "\\`*_[]|~".contains(character) { result.append("\\") }
            result.append(character)
            // `&#39;` is `html`'s own reference: a `&` of the text is `&amp;` by now.
            if character == "@" || (character == "#" && previous != "&") { result.append(zeroWidthJoiner) }
            previous = character
        }
        return result
    }

    /// What keeps `@name` and `#123` inert on GitHub (U+200D, invisible).
    public static let zeroWidthJoiner: Character = "\u{200D}"

    /// A Markdown code span (a ref name a fork's pull request chooses): controls escaped,
    /// capped, on one line, between more backticks than the longest run inside, padded
    /// with a space where it starts or ends with one (CommonMark's rule). Inside it,
    /// neither HTML nor Markdown is interpreted, and GitHub links no mention.
    public static func markdownCode(_ text: some StringProtocol, limit: Int = defaultLimit) -> String {
        let content = escaped(text, keepingNewlines: false, limit: limit)
        var longest = 0
        var run = 0
        for character in content {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let padding = content.hasPrefix("`") || content.hasSuffix("`") ? " " : ""
        return fence + padding + content + padding + fence
    }

    /// A field of a machine-readable report: only capped, its encoder escapes the rest.
    public static func capped(_ text: some StringProtocol, limit: Int = defaultLimit) -> String {
        // At most `limit` bytes is at most `limit` scalars: nothing to cut.
        if text.utf8.count <= limit { return String(text) }
        var scalars = text.unicodeScalars.makeIterator()
        var result = ""
        var count = 0
        while let scalar = scalars.next() {
            guard count < limit else { return result + marker(1 + remaining(&scalars)) }
            result.unicodeScalars.append(scalar)
            count += 1
        }
        return result
    }

    /// Encoded JSON made safe to print: the characters JSON may carry raw but a terminal
    /// must not see (C1 controls, DEL, bidi overrides) become `\uXXXX` escapes. The data
    /// is unchanged for a JSON reader; the encoder already escaped the C0 controls.
    public static func jsonText(_ encoded: String) -> String {
        guard encoded.unicodeScalars.contains(where: { $0.value >= 0x7F && visibleEscape($0) != nil }) else { return encoded }
        var result = ""
        for scalar in encoded.unicodeScalars {
            if scalar.value >= 0x7F, visibleEscape(scalar) != nil {
                result += "\\u" + hex(scalar.value, digits: 4)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A short excerpt of a manifest scalar or a service's answer quoted inside an error
    /// message: escaped as a terminal line and capped at `limit` (60 by default), so an
    /// error never carries a file's content along.
    public static func excerpt(_ text: some StringProtocol, limit: Int = 60) -> String {
        terminalLine(text, limit: limit)
    }

    /// The shared core: escapes and cap.
    static func escaped(_ text: some StringProtocol, keepingNewlines: Bool, limit: Int) -> String {
        // The common case: short printable ASCII (tabs included) passes as it is.
        if text.utf8.count <= limit, text.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) {
            return String(text)
        }
        var scalars = text.unicodeScalars.makeIterator()
        var result = ""
        var count = 0
        while let scalar = scalars.next() {
            guard count < limit else { return result + marker(1 + remaining(&scalars)) }
            count += 1
            if keepingNewlines && scalar == "\n" {
                result.unicodeScalars.append(scalar)
            } else if let escape = visibleEscape(scalar) {
                result += escape
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The visible form of a scalar that must not reach a terminal or a page as itself;
    /// nil for anything else (tabs pass: fixes indent Caddyfile snippets with them).
    static func visibleEscape(_ scalar: Unicode.Scalar) -> String? {
        guard mustEscape(scalar) else { return nil }
        switch scalar.value {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x00...0x1F, 0x7F...0x9F: return "\\x" + hex(scalar.value, digits: 2)
        default: return "\\u{" + hex(scalar.value, digits: 4) + "}"
        }
    }

    /// Whether `scalar` must never be written as itself where a person reads it: the
    /// one list, for every output and for the YAML discover writes (which escapes these
    /// in its own syntax). Control characters but the tab (C0, DEL, C1), bidi controls
    /// and marks, line and paragraph separators, the BOM, interlinear annotation
    /// characters, and noncharacters (U+FFFE and U+FFFF are not XML 1.0 characters, so a
    /// JUnit report carrying one does not parse; U+FDD0…U+FDEF are as meaningless).
    static func mustEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029, 0xFEFF, 0xFFF9...0xFFFB,
            0xFDD0...0xFDEF, 0xFFFE, 0xFFFF:
            true
        default: false
        }
    }

    static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    private static func remaining<Scalars: IteratorProtocol>(_ scalars: inout Scalars) -> Int {
        var count = 0
        while scalars.next() != nil { count += 1 }
        return count
    }

    /// What replaces the part left out.
    static func marker(_ omitted: Int) -> String { "…[\(omitted) more characters]" }
}
