/// A top-level section of the manifest (`health:`, `caddy:`, …) decoded into a typed
/// model. Decoding goes through `ManifestNode`, which gives every section the same
/// positioned errors, unknown-key detection and `${var}` substitution.
public protocol ManifestSection: Sendable {
    /// The manifest's top-level key for this section.
    static var key: String { get }
    /// What the section may contain, key by key: the decoder checks it and
    /// `reconcile schema` prints it, so the two cannot drift.
    static var shape: ManifestShape { get }
    /// One line on what the section is for (the schema's description of its key).
    static var summary: String { get }
    /// Decodes the section; throw (or `report`) `ManifestError`s located at the node.
    init(from node: ManifestNode) throws
}

/// A reconciler plugin: compares one section of the desired state with the live
/// environment.
///
/// The contract keeps I/O and judgement apart so that judgement can be unit-tested on
/// observations recorded from real services:
/// - `observe` does I/O and nothing else (no verdicts), under the reconciler's deadline;
/// - `compare` is a pure function of the spec and the observation.
///
/// A thrown error from `observe` becomes one `unknown` finding for the whole section;
/// a checker that can observe some resources and not others puts that into its
/// `Observation` and returns per-resource `unknown` findings from `compare`.
///
/// Adding a checker = a folder under `Plugins/` + its tests + one line in the CLI's
/// registry.
public protocol Checker: Sendable {
    associatedtype Spec: ManifestSection
    associatedtype Observation: Sendable

    /// The identifier used by `--only` and in reports' `checker` field.
    static var identifier: String { get }

    /// What it looks at and what it reports: the README's checker table is generated from
    /// these (`reconcile schema --readme-table`).
    static var observes: String { get }
    static var reports: String { get }

    /// Checkers whose observations this one reads through
    /// `ObservationContext.observation(of:)` (a cross-layer check such as the media
    /// chain). Each is observed once per run and shared; independent checkers still run
    /// concurrently. No cycles. Default: none.
    static var inputs: [any Checker.Type] { get }

    /// Why this checker's drift is left to people when its plan has no action for it
    /// (shown as `manual: …`; see `Fixer`). Default: it has no automatic repair.
    static var manualReason: String { get }

    init()

    /// Looks at the live environment. I/O only.
    func observe(_ spec: Spec, in context: ObservationContext) async throws -> Observation

    /// Judges the observation against the spec. Pure: no I/O, no clock, no environment.
    func compare(_ spec: Spec, with observation: Observation) -> [Finding]
}

extension Checker {
    public static var inputs: [any Checker.Type] { [] }
}
