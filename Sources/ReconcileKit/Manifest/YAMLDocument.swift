import Yams

/// A YAML file that is not a manifest (a compose file kept in the config repository, or
/// a manifest section in a plugin's unit test), read into the same `ManifestNode` tree
/// manifests use.
///
/// Why: plugins may depend on ReconcileKit alone, so they cannot parse YAML themselves;
/// going through `ManifestNode` also gives other files the same positioned errors
/// (file:line:col) and decoding helpers as the manifest.
public struct YAMLDocument {
    /// The document's root node; nil for an empty document.
    public let root: ManifestNode?
    private let session: DecodingSession

    /// Parses `text` (named `file` in positions and errors). `variables` are substituted
    /// for `${name}` by `ManifestNode.string()` and `value()`; files with their own
    /// interpolation syntax (compose) read `ManifestNode.literal` instead. The file is
    /// held to `limits` (size, alias expansion) as a manifest is.
    public static func parse(
        _ text: String, file: String, variables: [String: String] = [:], limits: YAMLLimits = YAMLLimits()
    ) throws(ManifestErrors) -> YAMLDocument {
        let session = DecodingSession(file: file, variables: variables)
        let node = try limits.compose(text, file: file, resolver: ManifestDecoder.resolver)
        return YAMLDocument(root: node.map { ManifestNode(yaml: $0, session: session, keyPath: "") }, session: session)
    }

    /// Problems recorded with `ManifestNode.report` (unknown keys) while decoding this
    /// document, which do not stop decoding.
    public var reportedErrors: [ManifestError] { session.errors }
}

extension ManifestNode {
    /// A scalar's text exactly as written, without `${name}` substitution; nil for
    /// lists, mappings and null. For files whose `${…}` means something else (compose
    /// interpolates from its own environment).
    public var literal: String? {
        guard let scalar = yaml.scalar, !isNull else { return nil }
        return scalar.string
    }

    /// True for a mapping node (`key: value` pairs).
    public var isMapping: Bool {
        if case .mapping = yaml { return true }
        return false
    }

    /// True for a sequence node (`- item`).
    public var isList: Bool {
        if case .sequence = yaml { return true }
        return false
    }
}
