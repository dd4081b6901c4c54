/// A change of the run as a whole rather than of one finding: apply changed the live stack
/// (`apply`: what it did and how each action ended, in one message), or the desired state
/// went stale (`stale`: the remote could not be fetched and the cached commit was checked).
/// Computed from the same two reports as `Transition`, so it is told once: a stale source
/// that stays stale, or a dry run's plan, sends nothing.
public enum RunChange: Sendable, Hashable {
    /// The actions apply executed (applied, failed or rolled back), in execution order.
    case applied([ActionOutcome])
    /// This run read a cached commit because fetching failed; the previous one did not.
    case stale(Report.Source)

    public var kind: TransitionKind {
        switch self {
        case .applied: .apply
        case .stale: .stale
        }
    }

    /// The run-level changes from `previous` (nil: no earlier run) to `current`: the source
    /// first (it qualifies everything else), then apply's results.
    public static func between(_ previous: Report?, _ current: Report) -> [RunChange] {
        var changes: [RunChange] = []
        if current.source.stale && previous?.source.stale != true {
            changes.append(.stale(current.source))
        }
        let executed = current.actions.filter { $0.status != .planned && $0.status != .skipped }
        if !executed.isEmpty {
            changes.append(.applied(executed))
        }
        return changes
    }

    /// `2 applied, 1 rolled back`: how the executed actions ended, in `ActionStatus` order.
    public static func outcome(_ actions: [ActionOutcome]) -> String {
        ActionStatus.allCases.compactMap { status in
            let count = actions.count { $0.status == status }
            return count == 0 ? nil : "\(count) \(status.rawValue.replacingOccurrences(of: "_", with: " "))"
        }.joined(separator: ", ")
    }
}
