import Foundation

/// An external checker's section as read from the manifest (`${name}` substituted), with
/// each value's position kept: sent to the plugin as the request's `spec`, and checked
/// against the plugin's `--schema` by `reconcile validate`, whose errors point at the line.
/// `ManifestNode` holds the decoding session; this is the same tree, detached and Sendable.
public struct SpecTree: Sendable, Hashable {
    public indirect enum Value: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case list([SpecTree])
        /// Keys in the order the manifest writes them.
        case map([Entry])
    }

    public struct Entry: Sendable, Hashable {
        public let key: String
        public let value: SpecTree
    }

    public let value: Value
    public let position: SourcePosition
    /// The dotted key path (`tls.hosts[0]`).
    public let keyPath: String

    init(_ node: ManifestNode) throws {
        position = node.position
        keyPath = node.keyPath
        if node.isList {
            value = .list(try node.list().map(SpecTree.init))
        } else if node.isMapping {
            value = .map(try node.entries().map { Entry(key: $0.key, value: try SpecTree($0.value)) })
        } else {
            switch try node.value() {
            case .null: value = .null
            case .bool(let flag): value = .bool(flag)
            case .int(let number): value = .int(number)
            case .double(let number): value = .double(number)
            case .string(let text): value = .string(text)
            case .list, .map: value = .null // a scalar node is never a collection
            }
        }
    }

    /// The value as a JSONSerialization object (`NSNull` for null).
    var jsonObject: Any {
        switch value {
        case .null: NSNull()
        case .bool(let flag): flag
        case .int(let number): number
        case .double(let number): number
        case .string(let text): text
        case .list(let items): items.map(\.jsonObject)
        case .map(let entries): Dictionary(entries.map { ($0.key, $0.value.jsonObject) }) { first, _ in first }
        }
    }
}
