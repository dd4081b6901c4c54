/// A `Fixer`'s three functions with its spec captured and its types erased, so the
/// reconciler can plan, apply and undo across checkers of different types.
struct FixerHooks: Sendable {
    let plan: @Sendable (_ observation: any Sendable, _ findings: [Finding]) -> [Int: Remedy]
    let apply: @Sendable (Action, ApplyContext) async throws -> any Sendable
    let undo: @Sendable (any Sendable, ApplyContext) async throws -> Void
    let finish: @Sendable (any Sendable, ApplyContext) async throws -> Void

    init<F: Fixer>(_ fixer: F.Type, spec: any ManifestSection) {
        let spec = spec as? F.Spec
        plan = { observation, findings in
            guard let spec, let observation = observation as? F.Observation else { return [:] }
            return F().plan(spec, observation: observation, findings: findings)
        }
        apply = { action, context in
            guard let spec else { throw ApplyFailure("internal: \(F.identifier) was given another checker's spec") }
            return try await F().apply(action, spec: spec, in: context)
        }
        undo = { applied, context in
            guard let spec, let applied = applied as? F.Applied else {
                throw ApplyFailure("internal: \(F.identifier) was given another checker's undo record")
            }
            try await F().undo(applied, spec: spec, in: context)
        }
        finish = { applied, context in
            guard let spec, let applied = applied as? F.Applied else { return }
            try await F().finish(applied, spec: spec, in: context)
        }
    }
}
