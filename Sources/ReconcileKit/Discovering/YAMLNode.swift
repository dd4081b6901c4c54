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
