/// A top-level key of a manifest with its value (variables substituted), kept for
/// `reconcile plan`: what the section's checker does not describe as resources
/// (``ResourceDescribing/describedKeys``) is planned from these values, one resource per
/// key of the section, one field per leaf. A checker without resources (`host:`) and the
/// policies (`apply:`, `notify:`, `trust:`, `plugins:`) are planned this way in full.
public struct SectionValue: Sendable {
    /// The top-level key (`host`, `apply`).
    public let key: String
    /// The checker that reads it, or the key itself for a policy.
    public let checker: String
    /// What the checker's own resources describe; nil when nothing.
    public let described: DescribedKeys?
    public let position: SourcePosition
    public let value: ManifestValue
    /// Where each key of a mapping value starts.
    public let keyPositions: [String: SourcePosition]

    /// The resources a plan compares: `kind: key`, named by the section's key (or by
    /// the section itself when its value is a list or a scalar).
    public var resources: [DesiredResource] {
        let covered: Set<String>
        switch described {
        case .all?: return []
        case .only(let keys)?: covered = keys
        case nil: covered = []
        }
        guard case .map(let entries) = value else {
            return [DesiredResource(checker: checker, kind: "key", name: key, fields: Self.leaves(value), position: position)]
        }
        return entries.filter { !covered.contains($0.key) }.map { entry in
            DesiredResource(
                checker: checker, kind: "key", name: entry.key, findingResource: "\(key).\(entry.key)",
                fields: Self.leaves(entry.value, secret: SecretName.looksSecret(entry.key)),
                position: keyPositions[entry.key] ?? position)
        }
    }

    /// One field per scalar (a list of scalars is one field), named by its path below
    /// the resource (`container.env.DJANGO_DEBUG`, `[0].url_env`; `value` for the value
    /// itself). A value under a secret-looking key, or that looks secret itself, is a
    /// ``SecretFingerprint``.
    static func leaves(_ value: ManifestValue, path: String = "", secret: Bool = false) -> [DesiredResource.Field] {
        let name = path.isEmpty ? "value" : path
        switch value {
        case .map(let entries) where !entries.isEmpty:
            return entries.flatMap { entry in
                leaves(
                    entry.value, path: path.isEmpty ? entry.key : "\(path).\(entry.key)",
                    secret: secret || SecretName.looksSecret(entry.key))
            }
        case .list(let items) where items.contains(where: \.isCollection):
            return items.enumerated().flatMap { index, item in leaves(item, path: "\(path)[\(index)]", secret: secret) }
        default:
            let text = scalarText(value)
            return [DesiredResource.Field(name, secret || SecretName.valueLooksSecret(text) ? SecretFingerprint.of(text) : text)]
        }
    }

    private static func scalarText(_ value: ManifestValue) -> String {
        switch value {
        case .string(let text): return text.isEmpty ? "\"\"" : text
        case .list(let items): return "[" + items.map(scalarText).joined(separator: ", ") + "]"
        case .map: return "{}"
        default: return value.description
        }
    }
}

extension ManifestValue {
    fileprivate var isCollection: Bool {
        switch self {
        case .list, .map: return true
        default: return false
        }
    }
}
