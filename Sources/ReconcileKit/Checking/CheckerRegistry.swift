/// A section of the manifest decoded and ready to be checked: the checker's spec,
/// captured with the checker that will observe and compare it.
public struct PlannedCheck: Sendable {
    /// The checker identifier (`health`, …).
    public let checker: String
    /// Where the section starts in the manifest.
    public let position: SourcePosition
    /// Identifiers of the checkers whose observations this one reads.
    public let inputs: [String]
    /// The section's fields that make reconcile execute something or read a secret.
    public var trustFields: [TrustField] = []
    /// The decoded section (the checker's `Spec`), for what looks at the desired state
    /// itself: a plan, a diff, a test.
    public let spec: any Sendable
    var observe: @Sendable (ObservationContext) async throws -> any Sendable
    let compare: @Sendable (any Sendable) -> [Finding]
    /// The checker's plan/apply/undo when it is a `Fixer`.
    var fixer: FixerHooks?
    /// Why its drift is left to people (`Checker.manualReason`).
    var manualReason = ""
    /// The checker's judgement of its section against the rest of the desired state,
    /// when it is `ConsistencyChecking`.
    var consistency: (@Sendable (DesiredState) -> [ConsistencyProblem])?
    /// The section's resources for `reconcile plan`, when the checker is `ResourceDescribing`.
    var resources: (@Sendable (DesiredState) -> [DesiredResource])?
    /// The section keys those resources describe (nil: none, the plan lists them all by value).
    var describedKeys: DescribedKeys?

    /// Observes and compares. Errors thrown by the checker's `observe` propagate.
    public func callAsFunction(_ context: ObservationContext) async throws -> [Finding] {
        compare(try await observe(context))
    }
}

/// The checkers one build of reconcile knows, keyed by their manifest sections.
///
/// A section can also be registered before its checker exists ("pending"): it is then
/// decoded and validated like any other, and a run reports it as `unknown` ("not
/// checked by this build") instead of silently passing it.
public struct CheckerRegistry: Sendable {
    struct Entry: Sendable {
        let section: SectionDeclaration
        let identifier: String
        let observes: String
        let reports: String
        let plan: @Sendable (ManifestNode) throws -> PlannedCheck
        /// How `reconcile discover` asks this checker, when it is `Discovering`.
        var discovery: DiscoveryHooks? = nil
    }

    let entries: [Entry]

    public init(checkers: [any Checker.Type], pending: [PendingSection] = []) {
        entries = checkers.map { Self.entry(for: $0) } + pending.map(\.entry)
    }

    /// The top-level manifest keys the registered checkers read.
    public var sectionKeys: [String] { entries.map(\.section.key) }

    /// The registered sections' declarations (for the header and the schema).
    public var sections: [SectionDeclaration] { entries.map(\.section) }

    /// The checker identifiers, for `--only` and `--help`.
    public var identifiers: [String] { entries.map(\.identifier) }

    func entry(forSection key: String) -> Entry? { entries.first { $0.section.key == key } }

    /// The manifest key of a checker's section (`mounts` for `media`); nil for a name this
    /// registry does not know (an external checker's).
    public func sectionKey(of identifier: String) -> String? { entries.first { $0.identifier == identifier }?.section.key }

    /// Compares an observation with the spec; an observation of another type than the
    /// checker's (a programming error) is one `unknown` finding, never silently nothing.
    static func compare<C: Checker>(_ checker: C.Type, _ spec: C.Spec, _ observation: any Sendable, at position: SourcePosition)
        -> [Finding]
    {
        guard let observation = observation as? C.Observation else {
            return [
                Finding(
                    checker: C.identifier, resource: C.Spec.key, status: .unknown, severity: .error,
                    message: "the checker's observation was a \(type(of: observation)), not a \(C.Observation.self); nothing was compared",
                    position: position)
            ]
        }
        return C().compare(spec, with: observation)
    }

    private static func entry<C: Checker>(for checker: C.Type) -> Entry {
        var entry = Entry(
            section: SectionDeclaration(C.Spec.self), identifier: C.identifier, observes: C.observes, reports: C.reports
        ) { node in
            let spec = try C.Spec(from: node)
            let position = node.position
            var planned = PlannedCheck(
                checker: C.identifier, position: node.position, inputs: C.inputs.map { $0.identifier }, spec: spec,
                observe: { context in try await C().observe(spec, in: context) },
                compare: { observation in compare(C.self, spec, observation, at: position) },
                fixer: (C.self as? any Fixer.Type).map { FixerHooks($0, spec: spec) }, manualReason: C.manualReason)
            planned.trustFields = (spec as? any TrustSensitive)?.trustFields ?? []
            planned.consistency = (C.self as? any ConsistencyChecking.Type)?.hook(spec: spec)
            planned.resources = (C.self as? any ResourceDescribing.Type)?.resourcesHook(spec: spec)
            planned.describedKeys = (C.self as? any ResourceDescribing.Type)?.describedKeys
            return planned
        }
        entry.discovery = DiscoveryHooks.of(checker)
        return entry
    }
}

/// A manifest section whose checker is not built yet: decoded and validated, and
/// reported as `unknown` by a run, so it never passes silently.
public struct PendingSection: Sendable {
    let entry: CheckerRegistry.Entry

    public init<S: ManifestSection>(checker identifier: String, section: S.Type) {
        entry = CheckerRegistry.Entry(section: SectionDeclaration(S.self), identifier: identifier, observes: "", reports: "") { node in
            let spec = try S(from: node)
            let position = node.position
            return PlannedCheck(
                checker: identifier, position: position, inputs: [], spec: spec, observe: { _ in () }
            ) { _ in
                [
                    Finding(
                        checker: identifier, resource: S.key, status: .unknown, severity: .warning,
                        message:
                            "the \(S.key): section is valid but this build of reconcile has no \(identifier) checker yet, so it was not checked",
                        position: position)
                ]
            }
        }
    }
}

/// A top-level manifest key with its declared shape: a checker's section, or (for
/// sections that are not checked, such as a policy) declared directly.
public struct SectionDeclaration: Sendable {
    public let key: String
    public let shape: ManifestShape
    public let summary: String

    public init(key: String, shape: ManifestShape, summary: String) {
        self.key = key
        self.shape = shape
        self.summary = summary
    }

    public init<S: ManifestSection>(_ section: S.Type) {
        self.init(key: S.key, shape: S.shape, summary: S.summary)
    }
}
