/// A Caddy `path` matcher pattern, classified once.
///
/// Routes are paired by path and a route is shadowed when an earlier one covers every
/// request it could match, so the checker needs Caddy's own notion of a path pattern
/// (case-insensitive; `*` as a prefix, suffix or substring wildcard) and a cheap,
/// conservative "covers" relation: it answers true only when that is certain.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    /// How Caddy's path matcher treats the pattern.
    public enum Kind: Sendable, Hashable {
        /// `*` or `/*`: every request path.
        case any
        /// No wildcard: exactly this path.
        case exact
        /// `/media/*`, `/api*`: paths starting with the text before the `*`.
        case prefix
        /// `*.php`: paths ending with the text after the `*`.
        case suffix
        /// `*foo*`: paths containing the text between the two `*`.
        case contains
        /// Any other use of `*` (matched with glob rules); only equal globs compare.
        case glob
    }

    /// The pattern as written (`*` is shown as `/*`, the catch-all).
    public let text: String
    public let kind: Kind
    /// The lower-cased literal part used for coverage (the prefix, suffix, substring or
    /// the whole exact path or glob).
    let literal: String
    /// The literal is printable ASCII: each byte a character, equal only to the same bytes.
    let plainLiteral: Bool

    /// The catch-all pattern: a `handle` without a matcher, `/*` or `*`.
    public static let any = PathPattern("/*")

    public init(_ raw: String) {
        let lowered = raw.lowercased()
        let plain = Self.isPlain(lowered)
        // Counting bytes is counting characters in printable ASCII (and much cheaper).
        let stars = plain ? lowered.utf8.count { $0 == UInt8(ascii: "*") } : lowered.count { $0 == "*" }
        plainLiteral = plain
        if lowered == "*" || lowered == "/*" {
            text = "/*"
            kind = .any
            literal = ""
            return
        }
        text = raw
        switch stars {
        case 0:
            kind = .exact
            literal = lowered
        case 1 where lowered.hasSuffix("*"):
            kind = .prefix
            literal = String(lowered.dropLast())
        case 1 where lowered.hasPrefix("*"):
            kind = .suffix
            literal = String(lowered.dropFirst())
        case 2 where lowered.hasPrefix("*") && lowered.hasSuffix("*") && lowered.count > 2:
            kind = .contains
            literal = String(lowered.dropFirst().dropLast())
        default:
            kind = .glob
            literal = lowered
        }
    }

    public var description: String { text }

    static func isPlain(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x20..<0x7F).contains($0) }
    }

    /// The key routes are paired by: case-insensitive, catch-alls all alike.
    public var key: String {
        switch kind {
        case .any: "/*"
        case .exact: literal
        case .prefix: literal + "*"
        case .suffix: "*" + literal
        case .contains: "*" + literal + "*"
        case .glob: literal
        }
    }

    /// True when every request path this pattern's `other` matches is also matched by
    /// this one. Conservative: false when unsure (globs only cover equal globs).
    public func covers(_ other: PathPattern) -> Bool {
        switch kind {
        case .any:
            return true
        case .exact:
            return other.kind == .exact && other.literal == literal
        case .prefix:
            switch other.kind {
            case .exact, .prefix: return other.literal.hasPrefix(literal)
            case .any: return literal == "/" || literal.isEmpty
            default: return false
            }
        case .suffix:
            switch other.kind {
            case .exact, .suffix: return other.literal.hasSuffix(literal)
            default: return false
            }
        case .contains:
            switch other.kind {
            case .exact, .prefix, .suffix, .contains: return other.literal.contains(literal)
            default: return false
            }
        case .glob:
            return other.kind == .glob && other.literal == literal
        }
    }

    /// The literal part a `handle_path` with this pattern strips: `/media/*` → `/media`,
    /// `/media*` → `/media`. Nil for patterns without a plain prefix.
    public var strippablePrefix: String? {
        guard kind == .prefix else { return nil }
        var prefix = String(text.dropLast())
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return prefix.isEmpty ? nil : prefix
    }

    /// The request path that exercises this route in a probe: `/api/*` → `/api/`,
    /// `/*` → `/`, an exact path itself. Nil for suffix, substring and glob patterns.
    public var probePath: String? {
        switch kind {
        case .any: "/"
        case .exact: text
        case .prefix: String(text.dropLast())
        default: nil
        }
    }

    /// This pattern as matched after `prefix` was stripped from the request path:
    /// `/thumbs/*` after `/media` is `/media/thumbs/*` in the original request's terms.
    func prefixed(by prefix: String) -> PathPattern {
        guard !prefix.isEmpty else { return self }
        switch kind {
        case .any: return PathPattern(prefix + "/*")
        default: return PathPattern(prefix + (text.hasPrefix("/") ? "" : "/") + text)
        }
    }
}

/// Finds, for a route at some position in an ordered list, the earliest route before it
/// that covers its path, in time proportional to the path's length rather than the
/// list's: the benchmark's 1,000 routes would otherwise cost a million comparisons.
struct CoverIndex {
    private var anyIndex: Int?
    private var exact: [String: Int] = [:]
    private var prefix: [String: Int] = [:]
    private var suffix: [String: Int] = [:]
    private var glob: [String: Int] = [:]
    private var contains: [(literal: String, index: Int)] = []
    /// The byte lengths of the registered prefixes and suffixes: a printable-ASCII path
    /// is looked up at those lengths only (a handful) instead of at each of its
    /// characters, each a hashed lookup.
    private var prefixLengths: [Int] = []
    private var suffixLengths: [Int] = []
    /// False once a prefix or suffix that is not printable ASCII is registered: such a
    /// key can equal a text of another byte length (canonical equivalence), so lookups
    /// then go character by character.
    private var keysArePlain = true

    /// Registers the route at `index` as covering `pattern` (call in increasing index
    /// order; the earliest index per pattern wins).
    mutating func add(_ pattern: PathPattern, at index: Int) {
        switch pattern.kind {
        case .any: if anyIndex == nil { anyIndex = index }
        case .exact: if exact[pattern.literal] == nil { exact[pattern.literal] = index }
        case .prefix:
            if pattern.literal == "/" || pattern.literal.isEmpty {
                if anyIndex == nil { anyIndex = index }
            } else if prefix[pattern.literal] == nil {
                prefix[pattern.literal] = index
                Self.register(pattern, in: &prefixLengths, plain: &keysArePlain)
            }
        case .suffix:
            if suffix[pattern.literal] == nil {
                suffix[pattern.literal] = index
                Self.register(pattern, in: &suffixLengths, plain: &keysArePlain)
            }
        case .glob: if glob[pattern.literal] == nil { glob[pattern.literal] = index }
        case .contains: contains.append((pattern.literal, index))
        }
    }

    private static func register(_ pattern: PathPattern, in lengths: inout [Int], plain: inout Bool) {
        let length = pattern.literal.utf8.count
        if !lengths.contains(length) { lengths.append(length) }
        if !pattern.plainLiteral { plain = false }
    }

    /// The smallest registered index below `limit` whose pattern covers `pattern`.
    func earliestCovering(_ pattern: PathPattern, before limit: Int) -> Int? {
        var best: Int?
        func consider(_ index: Int?) {
            guard let index, index < limit else { return }
            if best.map({ index < $0 }) ?? true { best = index }
        }
        consider(anyIndex)
        let literal = pattern.literal
        switch pattern.kind {
        case .any:
            break
        case .exact:
            consider(exact[literal])
            forEachAffix(of: pattern, prefixes: true) { consider(prefix[$0]) }
            forEachAffix(of: pattern, prefixes: false) { consider(suffix[$0]) }
        case .prefix:
            forEachAffix(of: pattern, prefixes: true) { consider(prefix[$0]) }
        case .suffix:
            forEachAffix(of: pattern, prefixes: false) { consider(suffix[$0]) }
        case .glob:
            consider(glob[literal])
        case .contains:
            break
        }
        if pattern.kind != .any && pattern.kind != .glob {
            for entry in contains where entry.index < limit && literal.contains(entry.literal) { consider(entry.index) }
        }
        return best
    }

    /// Calls `body` with each non-empty prefix (or suffix) of the pattern's literal that
    /// could be a registered one.
    private func forEachAffix(of pattern: PathPattern, prefixes: Bool, _ body: (String) -> Void) {
        let lengths = prefixes ? prefixLengths : suffixLengths
        guard !lengths.isEmpty else { return }
        let text = pattern.literal
        if keysArePlain && pattern.plainLiteral {
            let bytes = text.utf8
            for length in lengths where length <= bytes.count {
                body(String(decoding: prefixes ? bytes.prefix(length) : bytes.suffix(length), as: UTF8.self))
            }
            return
        }
        if prefixes {
            var index = text.startIndex
            while index < text.endIndex {
                index = text.index(after: index)
                body(String(text[..<index]))
            }
        } else {
            var index = text.endIndex
            while index > text.startIndex {
                index = text.index(before: index)
                body(String(text[index...]))
            }
        }
    }
}
