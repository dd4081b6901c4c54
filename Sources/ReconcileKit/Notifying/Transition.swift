/// The changes a notification can be about (the manifest's `on:` words).
public enum TransitionKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// A finding started drifting.
    case drift
    /// A finding that drifted or could not be observed is ok again.
    case resolved
    /// A finding could not be observed any more.
    case unknown
    /// Apply changed something (sent once apply's actions are part of the report).
    case apply
    /// The desired state could not be fetched and an older copy was used (sent once the
    /// report says its source is stale).
    case stale

    public static func < (a: TransitionKind, b: TransitionKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One finding that changed between two runs: what a notification says. Computed from the
/// previous report in the state directory and the new one, so the same drift on the next
/// run is not a transition and sends nothing.
public struct Transition: Sendable, Codable, Hashable {
    public let kind: TransitionKind
    /// The status before (nil when the finding is new).
    public let previous: Status?
    public let finding: Finding

    public init(kind: TransitionKind, previous: Status?, finding: Finding) {
        self.kind = kind
        self.previous = previous
        self.finding = finding
    }

    /// The transitions from `previous` (nil: no earlier run) to `current`, in `current`'s
    /// order. A finding is the same across runs when its checker, resource and manifest
    /// are. One that is no longer reported is not "resolved": its checker may have become
    /// unobservable as a whole, which is its own `unknown` transition.
    public static func between(_ previous: Report?, _ current: Report) -> [Transition] {
        var before: [String: Status] = [:]
        for finding in previous?.findings ?? [] { before[key(finding)] = Status.worst(of: [before[key(finding)] ?? .ok, finding.status]) }
        return current.findings.compactMap { finding in
            let was = before[key(finding)]
            switch finding.status {
            case .drift where was != .drift:
                return Transition(kind: .drift, previous: was, finding: finding)
            case .unknown where was != .unknown:
                return Transition(kind: .unknown, previous: was, finding: finding)
            case .ok where was == .drift || was == .unknown:
                return Transition(kind: .resolved, previous: was, finding: finding)
            default:
                return nil
            }
        }
    }

    static func key(_ finding: Finding) -> String {
        "\(finding.checker)\u{0}\(finding.resource)\u{0}\(finding.position?.file ?? "")"
    }
}
