/// One thing of the desired state (a route, a container, a setting, a health URL) with
/// the fields a change is described by, as text: what `reconcile plan` pairs between
/// two commits and diffs field by field.
public struct DesiredResource: Sendable, Hashable {
    /// One field, written as a reviewer would read it (`upstreams`: `127.0.0.1:8000, …`).
    public struct Field: Sendable, Hashable {
        public let name: String
        public let value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The checker whose section holds it (`caddy`).
    public let checker: String
    /// What it is, in the section's words (`route`, `container`, `setting`).
    public let kind: String
    /// Its key within the kind, unique per manifest (`rims.example.com /media/*`).
    public let name: String
    /// The run report's `resource` for it (`/media/*`), to pair it with findings.
    public let findingResource: String
    public let fields: [Field]
    public let position: SourcePosition
    /// The resources its behaviour depends on the order of (a site's routes: the first
    /// that matches answers), so a move among them is a change (`order: 2 of 2 → 1 of 2`)
    /// though no field differs; nil when declaration order means nothing (containers).
    public let orderedWithin: String?

    public init(
        checker: String, kind: String, name: String, findingResource: String? = nil, fields: [Field],
        position: SourcePosition, orderedWithin: String? = nil
    ) {
        self.checker = checker
        self.kind = kind
        self.name = name
        self.findingResource = findingResource ?? name
        self.fields = fields.filter { !$0.value.isEmpty }
        self.position = position
        self.orderedWithin = orderedWithin.map { "\(checker)\u{1F}\($0)" }
    }

    /// Pairs the same resource across commits.
    var key: String { "\(checker)\u{1F}\(kind)\u{1F}\(name)" }
}

/// A checker that can list its section's resources, for `reconcile plan`'s semantic diff.
/// Pure apart from reading files of the same ref through `desired.source` (a compose file).
public protocol ResourceDescribing: Checker {
    func resources(of spec: Spec, in desired: DesiredState) -> [DesiredResource]
    /// The section's keys those resources describe field by field. The plan lists every
    /// other key of the section by its values (``SectionValue``), so that no edit of a
    /// manifest plans as "No changes".
    static var describedKeys: DescribedKeys { get }
}

/// Which keys of its section a checker's resources describe.
public enum DescribedKeys: Sendable {
    /// All of them (a list section whose items are the resources).
    case all
    /// These keys of the section's mapping; the others are planned by their values.
    case only(Set<String>)
}

extension ResourceDescribing {
    /// The type-erased hook a `PlannedCheck` carries.
    static func resourcesHook(spec: any Sendable) -> (@Sendable (DesiredState) -> [DesiredResource])? {
        guard let spec = spec as? Spec else { return nil }
        return { desired in Self().resources(of: spec, in: desired) }
    }
}

extension DesiredState {
    /// Every resource the manifest describes, in manifest order: the checkers' own
    /// (routes, containers, settings, …), then each top-level key's values that no
    /// checker describes (`host:`, `apply:`, `caddy.unmanaged_routes`, …).
    public func resources() -> [DesiredResource] {
        manifest.checks.flatMap { $0.resources?(self) ?? [] } + manifest.sectionValues.flatMap(\.resources)
    }
}
