/// One manifest's whole desired state with the source it was read from, for checks
/// that compare sections with each other or look for files at the same ref.
public struct DesiredState: Sendable {
    public let manifest: Manifest
    /// Where referenced files (a Caddyfile, a compose file) are read, at the manifest's ref.
    public let source: any DesiredStateSource

    public init(manifest: Manifest, source: any DesiredStateSource) {
        self.manifest = manifest
        self.source = source
    }

    /// The decoded section of type `S`, when the manifest has it.
    public func section<S: ManifestSection>(_ type: S.Type) -> S? {
        manifest.checks.lazy.compactMap { $0.spec as? S }.first
    }

    /// Every contradiction the registered checkers find, in manifest order of sections.
    public func consistencyProblems() -> [ConsistencyProblem] {
        manifest.checks.flatMap { check in
            (check.consistency?(self) ?? []).map { problem in
                var tagged = problem
                tagged.checker = check.checker
                return tagged
            }
        }
    }
}

/// A checker that can also judge its section against the rest of the desired state
/// before anything is observed (`reconcile validate`). Pure apart from reading files
/// of the same ref through `desired.source`.
public protocol ConsistencyChecking: Checker {
    /// Every rule `consistency` may report (for SARIF's rule list and the docs).
    static var consistencyRules: [ConsistencyRule] { get }

    func consistency(of spec: Spec, in desired: DesiredState) -> [ConsistencyProblem]
}

extension ConsistencyChecking {
    /// The type-erased hook a `PlannedCheck` carries.
    static func hook(spec: any Sendable) -> (@Sendable (DesiredState) -> [ConsistencyProblem])? {
        guard let spec = spec as? Spec else { return nil }
        return { desired in Self().consistency(of: spec, in: desired) }
    }
}
