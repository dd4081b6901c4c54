/// What a manifest value may be, declared once per key and read by both the decoder
/// (`ManifestNode.mapping(_:)` checks every written value against it before a section's
/// decoder reads it) and the JSON Schema generator (`ManifestSchema`).
///
/// Why one declaration: a hand-kept schema drifted from the decoders (it accepted keys the
/// decoder rejected and rejected forms the decoder accepted). Unknown-key errors, the
/// did-you-mean, the allowed-key lists, required keys, types, ranges and closed word sets
/// now all come from here. What no schema can say (duplicate names, a port syntax, a
/// path that must stay inside the repository) stays in the section's decoder.
public indirect enum ManifestShape: Sendable {
    case string(StringFormat = .any)
    /// An integer within the range.
    case integer(ClosedRange<Int>)
    case boolean
    /// Any non-null scalar (a variable's value: string, number or boolean).
    case scalar
    case list(ManifestShape)
    case object(ManifestObject)
    /// A mapping with free-form keys (settings, environment), values of one shape.
    case dictionary(ManifestShape)
    /// Any YAML value, kept typed (settings compared by typed equality).
    case anyValue
    /// One of several shapes of different kinds (a name, or a mapping with details).
    case either([ManifestShape])
}

/// What a string must look like. Checked after `${name}` substitution by the decoder; the
/// schema lets a string with a `${` reference through where it cannot know the value.
public enum StringFormat: Sendable {
    case any
    case nonEmpty
    /// One of a closed set of words (upper-case words, when `ignoringCase`).
    case choice([String], ignoringCase: Bool = false)
    /// Exactly this text; the decoder explains a different value itself (apiVersion, kind).
    case constant(String)
    case absolutePath
    /// A URL with one of these schemes and a host (or, for `unix`, an absolute path).
    case url(schemes: [String])
    /// Matches the regular expression (anchored); `hint` says what was expected, and
    /// `suggest` lists words for a did-you-mean.
    case pattern(String, hint: String, suggest: [String] = [])

    /// `choice` from an enum's raw values.
    public static func choice<Choice: RawRepresentable & CaseIterable>(of type: Choice.Type) -> StringFormat
    where Choice.RawValue == String {
        .choice(type.allCases.map(\.rawValue))
    }
}

/// One key of a mapping: its shape, whether it must be written, and what it is for (the
/// schema's description, shown by editors).
public struct ManifestKey: Sendable {
    public let name: String
    public let shape: ManifestShape
    public let isRequired: Bool
    public let doc: String

    public static func required(_ name: String, _ shape: ManifestShape, _ doc: String) -> ManifestKey {
        ManifestKey(name: name, shape: shape, isRequired: true, doc: doc)
    }

    public static func optional(_ name: String, _ shape: ManifestShape, _ doc: String) -> ManifestKey {
        ManifestKey(name: name, shape: shape, isRequired: false, doc: doc)
    }
}

/// A mapping with a fixed set of keys, in the order errors list them.
public struct ManifestObject: Sendable {
    public let keys: [ManifestKey]
    /// Keys of which at most one (or, when `missing` is given, exactly one) may be written.
    public let exclusive: [ExclusiveKeys]

    public init(_ keys: [ManifestKey], exclusive: [ExclusiveKeys] = []) {
        self.keys = keys
        self.exclusive = exclusive
    }

    public var keyNames: [String] { keys.map(\.name) }

    public func key(_ name: String) -> ManifestKey? { keys.first { $0.name == name } }

    /// The same keys, none required (a caller that reports missing keys itself).
    var withoutRequiredKeys: ManifestObject {
        ManifestObject(keys.map { .optional($0.name, $0.shape, $0.doc) }, exclusive: exclusive)
    }
}

/// Alternatives that exclude each other (`sites` or `caddyfile`), with the errors a person
/// reads when both or (for a required choice) neither are written.
public struct ExclusiveKeys: Sendable {
    public let keys: [String]
    public let conflict: String
    /// nil: writing none of them is fine.
    public let missing: String?
    /// Other keys that also make writing none of `keys` fine (a route of middleware only
    /// needs no handler, but needs its middleware).
    public let satisfiedBy: [String]

    public init(_ keys: [String], conflict: String, missing: String? = nil, satisfiedBy: [String] = []) {
        self.keys = keys
        self.conflict = conflict
        self.missing = missing
        self.satisfiedBy = satisfiedBy
    }
}
