/// What a change of the desired state between two commits does, resource by resource:
/// the semantic diff `reconcile plan` prints for a pull request (Atlantis-style, but of
/// the desired state and across layers). Pure: built from the two sides' manifests.
public struct DesiredStateDiff: Sendable {
    /// One manifest file across the two commits.
    public struct ManifestChange: Sendable, Hashable, Encodable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            case added, removed, renamed, modified, unchanged
        }

        public let kind: Kind
        public let base: String?
        public let head: String?
        /// The environment's name (`name:`), the manifest's identity across a rename.
        public let environment: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, base, head, environment
        }
    }

    /// A field's two values; nil = the field is not set on that side.
    public struct FieldChange: Sendable, Hashable {
        public let name: String
        public let old: String?
        public let new: String?
    }

    /// One resource added, removed or changed (a move among the resources it is ordered
    /// with is a change of its `order` field).
    public struct ResourceChange: Sendable, Hashable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            case added, removed, changed
        }

        public let kind: Kind
        public let environment: String
        public let checker: String
        public let resourceKind: String
        public let name: String
        public let findingResource: String
        public let fields: [FieldChange]
        /// The head side's declaration (the base side's for a removed resource).
        public let position: SourcePosition
        /// With `--live`: which side production matches.
        public var live: LiveMatch? = nil
    }

    public internal(set) var manifests: [ManifestChange]
    public internal(set) var changes: [ResourceChange]

    /// True when the desired state differs (a rename alone changes nothing).
    public var changed: Bool { !changes.isEmpty }

    /// One side: each manifest's path, environment name and resources.
    public struct Side: Sendable {
        public let manifests: [(path: String, environment: String, resources: [DesiredResource])]

        public init(_ manifests: [(path: String, environment: String, resources: [DesiredResource])]) {
            self.manifests = manifests
        }
    }

    /// Pairs manifests by path, then the rest by environment name (a rename), then
    /// resources by checker, kind and name within each pair.
    public init(base: Side, head: Side) {
        var manifestChanges: [ManifestChange] = []
        var resourceChanges: [ResourceChange] = []
        var unpairedBase = Array(base.manifests.indices)
        /// The first base manifest not paired yet that `matches`, now paired.
        func pairBase(_ matches: (Int) -> Bool) -> Int? {
            unpairedBase.firstIndex(where: matches).map { unpairedBase.remove(at: $0) }
        }
        var pairs: [(base: Int?, head: Int?)] = []
        var headUnpaired: [Int] = []
        for (index, manifest) in head.manifests.enumerated() {
            if let match = pairBase({ base.manifests[$0].path == manifest.path }) {
                pairs.append((match, index))
            } else {
                headUnpaired.append(index)
            }
        }
        for index in headUnpaired {
            pairs.append((pairBase { base.manifests[$0].environment == head.manifests[index].environment }, index))
        }
        pairs += unpairedBase.map { ($0, nil) }

        for pair in pairs {
            let old = pair.base.map { base.manifests[$0] }
            let new = pair.head.map { head.manifests[$0] }
            let environment = new?.environment ?? old?.environment ?? ""
            let changes = Self.diff(old?.resources ?? [], new?.resources ?? [], environment: environment)
            let kind: ManifestChange.Kind
            switch (old, new) {
            case (nil, _): kind = .added
            case (_, nil): kind = .removed
            case (let old?, let new?) where old.path != new.path: kind = .renamed
            default: kind = changes.isEmpty ? .unchanged : .modified
            }
            manifestChanges.append(ManifestChange(kind: kind, base: old?.path, head: new?.path, environment: environment))
            resourceChanges += changes
        }
        manifests = manifestChanges.sorted { ($0.head ?? $0.base ?? "") < ($1.head ?? $1.base ?? "") }
        self.changes = resourceChanges
    }

    static func diff(_ old: [DesiredResource], _ new: [DesiredResource], environment: String) -> [ResourceChange] {
        let oldByKey = Dictionary(old.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let newKeys = Set(new.map(\.key))
        let moves = ResourceMoves.orderChanges(old, new)
        var changes: [ResourceChange] = []
        func change(_ kind: ResourceChange.Kind, _ resource: DesiredResource, _ fields: [FieldChange]) -> ResourceChange {
            ResourceChange(
                kind: kind, environment: environment, checker: resource.checker, resourceKind: resource.kind,
                name: resource.name, findingResource: resource.findingResource, fields: fields, position: resource.position)
        }
        for resource in new {
            guard let before = oldByKey[resource.key] else {
                changes.append(change(.added, resource, resource.fields.map { FieldChange(name: $0.name, old: nil, new: $0.value) }))
                continue
            }
            let fields = fieldChanges(before.fields, resource.fields) + (moves[resource.key].map { [$0] } ?? [])
            if !fields.isEmpty { changes.append(change(.changed, resource, fields)) }
        }
        for resource in old where !newKeys.contains(resource.key) {
            changes.append(change(.removed, resource, resource.fields.map { FieldChange(name: $0.name, old: $0.value, new: nil) }))
        }
        return changes
    }

    /// The fields whose value differs, in the head side's order, then fields only the base had.
    static func fieldChanges(_ old: [DesiredResource.Field], _ new: [DesiredResource.Field]) -> [FieldChange] {
        let before = Dictionary(old.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let names = Set(new.map(\.name))
        var changes = new.compactMap { field in
            before[field.name] == field.value ? nil : FieldChange(name: field.name, old: before[field.name], new: field.value)
        }
        changes += old.filter { !names.contains($0.name) }.map { FieldChange(name: $0.name, old: $0.value, new: nil) }
        return changes
    }
}
