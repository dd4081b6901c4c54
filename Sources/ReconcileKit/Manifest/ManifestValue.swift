/// A YAML value with its type kept: settings are compared by typed equality, so
/// `false` and `"False"` must stay different things.
public indirect enum ManifestValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([ManifestValue])
    case map([Entry])

    /// One key of a mapping value; mappings keep their order.
    public struct Entry: Sendable, Hashable, Codable {
        public let key: String
        public let value: ManifestValue
        public init(key: String, value: ManifestValue) {
            self.key = key
            self.value = value
        }
    }

    /// JSON-like rendering, used in findings' expected/observed fields.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value): return "\"\(value)\""
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries):
            return "{" + entries.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}
