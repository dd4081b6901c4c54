/// A `Discovering` checker's two functions with their types erased, so the core runs
/// checkers of different types side by side (as `FixerHooks` does for apply).
struct DiscoveryHooks: Sendable {
    let identifier: String
    let sectionKey: String
    let after: [String]
    let discover: @Sendable (DiscoveryRequest, Discoveries, ObservationContext) async throws -> (any Sendable)?
    let describe: @Sendable (any Sendable, DiscoveryRequest, Discoveries) -> DiscoveredSection

    init<D: Discovering>(_ checker: D.Type) {
        identifier = D.identifier
        sectionKey = D.Spec.key
        after = D.discoveredAfter
        discover = { request, earlier, context in try await D().discover(request, earlier: earlier, in: context) }
        describe = { observation, request, earlier in
            guard let observation = observation as? D.Observation else {
                return .unobserved("internal: \(D.identifier) was given another checker's observation")
            }
            return D().describe(observation, request: request, earlier: earlier)
        }
    }

    /// The hooks of `checker` when it discovers.
    static func of(_ checker: any Checker.Type) -> DiscoveryHooks? {
        guard let discovering = checker as? any Discovering.Type else { return nil }
        return DiscoveryHooks(discovering)
    }
}
