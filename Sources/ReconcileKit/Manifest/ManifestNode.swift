import Yams

/// One node of a manifest's YAML tree, with everything needed to decode it into typed
/// models and to complain precisely: its position, its dotted key path, and the
/// variables for `${name}` substitution.
///
/// Checker plugins decode their own manifest section through this type, so every
/// section gets the same error messages, positions and did-you-mean for free.
public struct ManifestNode {
    let yaml: Yams.Node
    let session: DecodingSession
    /// Dotted path from the document root, e.g. `caddy.sites[0].routes[1]`.
    public let keyPath: String

    /// Where this node starts in its file.
    public var position: SourcePosition {
        let mark = yaml.mark
        return SourcePosition(file: session.file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// An error about this node. A message that quotes the node's own scalar (as most
    /// plugins' messages do, `'\(text)' is not a …`) quotes only a short excerpt of it: a
    /// manifest can be made to hold anything, and errors reach PR annotations.
    public func error(_ message: String) -> ManifestError {
        var message = message
        if let scalar = yaml.scalar?.string, scalar.unicodeScalars.count > Self.quotedLimit, message.contains(scalar) {
            message = message.replacingOccurrences(of: scalar, with: UntrustedText.excerpt(scalar, limit: Self.quotedLimit))
        }
        return ManifestError(position: position, keyPath: keyPath, message: message)
    }

    /// The most characters of a scalar an error quotes.
    static let quotedLimit = 60

    /// Records a problem without stopping decoding (used for unknown keys, so one
    /// validation run reports all of them).
    public func report(_ error: ManifestError) {
        session.errors.append(error)
    }

    // MARK: Scalars

    /// The text of a scalar with `${name}` variables substituted. Numbers are accepted
    /// as their text; mappings, lists and null are rejected.
    public func string() throws -> String {
        guard let scalar = yaml.scalar, tagName != .null else {
            throw error("expected a string, found \(kindDescription)")
        }
        return try substitute(scalar.string)
    }

    /// A non-empty string.
    public func nonEmptyString() throws -> String {
        let text = try string()
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw error("must not be empty") }
        return text
    }

    /// `true` or `false` (YAML 1.2: `yes`/`no`/`on`/`off` are strings, not booleans).
    public func bool() throws -> Bool {
        guard yaml.scalar != nil, tagName == .bool, let value = yaml.bool else {
            throw error("expected true or false, found \(kindDescription)")
        }
        return value
    }

    /// An integer, optionally within `range`.
    public func int(in range: ClosedRange<Int>? = nil) throws -> Int {
        guard yaml.scalar != nil, tagName == .int, let value = yaml.int else {
            throw error("expected an integer, found \(kindDescription)")
        }
        if let range, !range.contains(value) {
            throw error("\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// One of a closed set of words, with a did-you-mean when it is not.
    public func choice<Choice: RawRepresentable & CaseIterable>(_ type: Choice.Type) throws -> Choice
    where Choice.RawValue == String {
        let text = try string()
        if let value = Choice(rawValue: text) { return value }
        let allowed = Choice.allCases.map(\.rawValue)
        throw error(
            "\(Self.quoted(text)) is not one of \(allowed.joined(separator: ", "))"
                + Suggestions.didYouMean(text, among: allowed))
    }

    /// A URL whose scheme is one of `schemes` and which has a host (or, for `unix`, a path).
    public func url(schemes: [String]) throws -> String {
        let text = try nonEmptyString()
        guard let separator = text.range(of: "://") else {
            throw error("\(Self.quoted(text)) is not a URL (expected \(schemes.map { "\($0)://" }.joined(separator: " or "))…)")
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard schemes.contains(scheme) else {
            throw error("unsupported URL scheme \(Self.quoted(scheme)) in \(Self.quoted(text)); use \(schemes.joined(separator: ", "))")
        }
        let rest = text[separator.upperBound...]
        if scheme == "unix" {
            guard rest.hasPrefix("/") else { throw error("\(Self.quoted(text)) needs an absolute socket path: unix:///path/to.sock") }
        } else {
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            let host = authority.split(separator: "@").last.map(String.init) ?? ""
            guard !host.isEmpty, !host.hasPrefix(":"), !host.contains(" ") else {
                throw error("\(Self.quoted(text)) has no host")
            }
        }
        return text
    }

    /// Any YAML value, keeping its type (for settings compared by typed equality).
    public func value() throws -> ManifestValue {
        switch yaml {
        case .scalar(let scalar):
            switch tagName {
            case .null: return .null
            case .bool: return .bool(yaml.bool ?? false)
            case .int: return .int(yaml.int ?? 0)
            case .float: return .double(yaml.float ?? 0)
            default: return .string(try substitute(scalar.string))
            }
        case .sequence:
            return .list(try list().map { try $0.value() })
        case .mapping:
            return .map(try entries().map { ManifestValue.Entry(key: $0.key, value: try $0.value.value()) })
        case .alias:
            throw error("YAML aliases are not supported")
        }
    }

    // MARK: Collections

    /// The items of a sequence.
    public func list() throws -> [ManifestNode] {
        guard case .sequence(let sequence) = yaml else {
            throw error("expected a list, found \(kindDescription)")
        }
        return sequence.enumerated().map { index, item in
            ManifestNode(yaml: item, session: session, keyPath: "\(keyPath)[\(index)]")
        }
    }

    /// A list of strings; a single string is not accepted as a one-item list.
    public func stringList() throws -> [String] {
        try list().map { try $0.string() }
    }

    /// The key/value pairs of a mapping whose keys are free-form (variables, settings),
    /// in document order. Duplicate keys are errors.
    public func entries() throws -> [(key: String, keyNode: ManifestNode, value: ManifestNode)] {
        guard case .mapping(let mapping) = yaml else {
            throw error("expected a mapping of key: value, found \(kindDescription)")
        }
        var seen: Set<String> = []
        var result: [(key: String, keyNode: ManifestNode, value: ManifestNode)] = []
        for (keyYAML, valueYAML) in mapping {
            guard let key = keyYAML.scalar?.string else {
                throw ManifestNode(yaml: keyYAML, session: session, keyPath: keyPath).error("keys must be strings")
            }
            let path = keyPath.isEmpty ? key : "\(keyPath).\(key)"
            let keyNode = ManifestNode(yaml: keyYAML, session: session, keyPath: path)
            guard seen.insert(key).inserted else { throw keyNode.error("duplicate key \(Self.quoted(key))") }
            result.append((key, keyNode, ManifestNode(yaml: valueYAML, session: session, keyPath: path)))
        }
        return result
    }

    /// A mapping with the keys `object` declares. Unknown keys are reported (with the
    /// closest declared key) and skipped, so decoding continues and all of them are
    /// listed; then every written value is checked against its declared shape, required
    /// keys and exclusive alternatives are enforced, and the first problem is thrown.
    public func mapping(_ object: ManifestObject) throws -> ManifestMapping {
        var values: [String: ManifestNode] = [:]
        let written = try entries()
        for entry in written {
            if object.key(entry.key) != nil {
                values[entry.key] = entry.value
            } else {
                report(entry.keyNode.unknownKey(among: object.keyNames))
            }
        }
        for entry in written where !entry.value.isNull {
            if let key = object.key(entry.key) { try entry.value.check(key.shape) }
        }
        if let problem = presenceProblems(object, written: values).first { throw problem }
        return ManifestMapping(node: self, object: object, values: values)
    }

    /// The resolved YAML tag (str, bool, int, float, null, …).
    private var tagName: Tag.Name { Tag.Name(rawValue: yaml.tag.rawValue) }

    /// True for an explicit `null` or `~`.
    public var isNull: Bool { yaml.scalar != nil && tagName == .null }

    var kindDescription: String {
        switch yaml {
        case .scalar(let scalar):
            switch tagName {
            case .null: return "null"
            case .bool: return "boolean \(scalar.string)"
            case .int, .float: return "number \(UntrustedText.excerpt(scalar.string))"
            default: return "string \(Self.quoted(scalar.string))"
            }
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// A scalar or key quoted in an error: credentials in URLs removed, controls escaped,
    /// at most a short excerpt. A manifest can be made to quote anything (a committed file
    /// full of secrets decodes as one long string), and errors reach PR annotations.
    public static func quoted(_ text: some StringProtocol) -> String {
        "'" + UntrustedText.excerpt(Redaction.urlCredentials(in: String(text)), limit: quotedLimit) + "'"
    }

    /// Replaces `${name}` with the variable's value; `$${` stands for a literal `${`.
    private func substitute(_ text: String) throws -> String {
        try substitute(text) { session.variables[$0] }
    }

    /// `text` with each `${name}` replaced by `lookup(name)` (this node's errors when
    /// `lookup` has nothing): how `vars:` resolves variables that use others.
    func substitute(_ text: String, lookup: (String) throws -> String?) throws -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            let before = rest[..<start.lowerBound]
            if before.hasSuffix("$") {
                result += before.dropLast() + "${"
                rest = rest[start.upperBound...]
                continue
            }
            result += before
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw error("unterminated variable reference in \(Self.quoted(text)) (expected ${name})")
            }
            let name = String(rest[start.upperBound..<end])
            guard let value = try lookup(name) else {
                let known = session.variables.keys.sorted()
                throw error(
                    "unknown variable ${\(name)}" + Suggestions.didYouMean(name, among: known)
                        + " (define it under vars: or pass --var \(name)=VALUE)")
            }
            result += value
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }
}

/// A mapping node with a fixed set of keys, as returned by `ManifestNode.mapping`.
public struct ManifestMapping {
    /// The mapping itself (for errors about the whole mapping).
    public let node: ManifestNode
    let object: ManifestObject
    let values: [String: ManifestNode]

    /// The value of a key that must be present.
    public func required(_ key: String) throws -> ManifestNode {
        precondition(object.key(key) != nil, "'\(key)' is read but not declared")
        guard let value = values[key] else { throw node.error("missing required key '\(key)'") }
        return value
    }

    /// The value of an optional key; an explicit null counts as absent.
    public func optional(_ key: String) -> ManifestNode? {
        precondition(object.key(key) != nil, "'\(key)' is read but not declared")
        guard let value = values[key], !value.isNull else { return nil }
        return value
    }
}

/// State shared by all nodes of one decoding pass.
final class DecodingSession {
    let file: String
    var variables: [String: String]
    var errors: [ManifestError] = []

    init(file: String, variables: [String: String]) {
        self.file = file
        self.variables = variables
    }
}
