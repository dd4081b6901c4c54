/// A manifest fragment as data: what `reconcile discover` builds from observations and
/// `YAMLWriter` prints, with the comments a person reads before committing it.
///
/// Why a tree instead of text: every piece of discovered text (a container name, a
/// path, a Django setting) comes from a live service and may hold quotes, newlines,
/// `${` or `#`; building text by concatenation would let one of them break the YAML
/// or change its meaning. Pieces build values, and one writer escapes them all.
public indirect enum YAMLNode: Sendable, Hashable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case list([YAMLItem])
    case map([YAMLEntry])

    /// A list of plain values, without comments.
    public static func list(_ values: [YAMLNode]) -> YAMLNode { .list(values.map { YAMLItem($0) }) }

    /// A list of strings.
    public static func strings(_ values: [String]) -> YAMLNode { .list(values.map { .string($0) }) }
}

/// One item of a list, with comment lines written above it.
public struct YAMLItem: Sendable, Hashable {
    public var value: YAMLNode
    public var comments: [String]

    public init(_ value: YAMLNode, comments: [String] = []) {
        self.value = value
        self.comments = comments
    }
}

/// One `key: value` of a mapping, with comment lines written above it.
public struct YAMLEntry: Sendable, Hashable {
    public var key: String
    public var value: YAMLNode
    public var comments: [String]

    public init(_ key: String, _ value: YAMLNode, comments: [String] = []) {
        self.key = key
        self.value = value
        self.comments = comments
    }
}

extension YAMLNode {
    /// A decoded manifest value as a node, to write it again (what a checker already
    /// spells as manifest YAML, read back through the manifest's reader).
    public init(_ value: ManifestValue) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .string(let text): self = .string(text)
        case .list(let items): self = .list(items.map { YAMLItem(YAMLNode($0)) })
        case .map(let entries): self = .map(entries.map { YAMLEntry($0.key, YAMLNode($0.value)) })
        }
    }

    /// The first item of a YAML list written as text, read with the manifest's reader
    /// (`${` kept literally); nil when the text is not a list of one mapping.
    public static func firstItem(ofYAML text: String) -> YAMLNode? {
        guard let document = try? YAMLDocument.parse(text.replacingOccurrences(of: "${", with: "$${"), file: "(entry)"),
            let item = try? document.root?.list().first, let value = try? item.value(), case .map = value
        else { return nil }
        return YAMLNode(value)
    }
}
