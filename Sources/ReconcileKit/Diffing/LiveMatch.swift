/// Which side of a change production already runs (`reconcile plan --live`): merging a
/// change production matches the base of needs an apply; one it already matches the head
/// of is a no-op; neither means production drifted from both.
public enum LiveMatch: String, Sendable, Codable, CaseIterable {
    case base, head, neither
    /// The checker could not observe the resource (or it has no finding for it).
    case unknown

    /// Judges one resource from the findings the base's and the head's manifests gave
    /// (nil: that side does not have the resource). A resource one side lacks is matched
    /// by production lacking it: the other side's drift ("missing") says so.
    static func judge(_ kind: DesiredStateDiff.ResourceChange.Kind, base: [Finding]?, head: [Finding]?) -> LiveMatch {
        let (before, after) = (status(base), status(head))
        switch kind {
        case .added: return after == .ok ? .head : after == .drift ? .base : .unknown
        case .removed: return before == .ok ? .base : before == .drift ? .head : .unknown
        case .changed:
            if after == .ok { return .head }
            if before == .ok { return .base }
            return after == .drift && before == .drift ? .neither : .unknown
        }
    }

    /// One side's verdict on the resource: unknown when anything was, else drift when
    /// anything was, else ok; nil without findings.
    private static func status(_ findings: [Finding]?) -> Status? {
        guard let findings, !findings.isEmpty else { return nil }
        if findings.contains(where: { $0.status == .unknown }) { return .unknown }
        return findings.contains { $0.status == .drift } ? .drift : .ok
    }
}

extension DesiredStateDiff {
    /// The diff with each change's `live` match, from each side's findings by manifest path.
    public func matching(baseFindings: [String: [Finding]], headFindings: [String: [Finding]]) -> DesiredStateDiff {
        var copy = self
        copy.changes = changes.map { change in
            func findings(_ byPath: [String: [Finding]], _ path: String?) -> [Finding]? {
                guard let path, let all = byPath[path] else { return nil }
                return all.filter {
                    $0.checker == change.checker
                        && ($0.resource == change.findingResource || $0.resource.hasPrefix(change.findingResource + ": "))
                }
            }
            var matched = change
            let manifest = manifests.first { $0.environment == change.environment }
            matched.live = LiveMatch.judge(
                change.kind, base: change.kind == .added ? nil : findings(baseFindings, manifest?.base),
                head: change.kind == .removed ? nil : findings(headFindings, manifest?.head))
            return matched
        }
        return copy
    }
}
