/// What a run would change: every drift finding with its `would: …` or `manual: …`, and
/// the actions in the order apply executes them, each with the policy's verdict.
///
/// Pure: made from the checks' outcomes and the manifests' `apply:` policies, so a dry
/// run and an apply show the same plan for the same observations.
public struct Plan: Sendable {
    /// One action and what it needs to run.
    public struct Step: Sendable {
        public let action: Action
        /// Why the policy does not allow it; nil when it may run.
        public let refusal: String?
        let check: PlannedCheck
        /// The findings it repairs (`FindingKey`s): after apply, none may still drift.
        let addresses: [String]
    }

    /// The findings, each drift one carrying its plan text.
    public var findings: [Finding]
    public var steps: [Step]

    /// The report's `actions` for this plan: allowed ones `planned`, the others `skipped`
    /// with the policy's reason.
    public var outcomes: [ActionOutcome] { ActionLog(steps: steps).outcomes }

    /// The steps the policy allows, in execution order.
    public var allowed: [Step] { steps.filter { $0.refusal == nil } }

    /// Plans every outcome. `policies` maps a manifest file to its `apply:` section.
    public init(_ outcomes: [CheckOutcome], policies: [String: ApplyPolicy]) {
        var findings: [Finding] = []
        var steps: [Step] = []
        for outcome in outcomes {
            let check = outcome.check
            let policy = policies[check.position.file]
            let remedies = outcome.observation.map { check.fixer?.plan($0, outcome.findings) ?? [:] } ?? [:]
            for (index, var finding) in outcome.findings.enumerated() {
                defer { findings.append(finding) }
                guard finding.status == .drift else { continue }
                switch remedies[index] {
                case .manual(let reason)?:
                    finding.plan = "manual: \(reason)"
                case nil:
                    finding.plan = "manual: \(check.manualReason)"
                case .action(let planned)?:
                    let (action, refusal) = Self.choose(planned, policy)
                    let otherwise = action.alternatives.first.map { ", or \($0.summary) where the service lacks that call" }
                    finding.plan =
                        refusal.map { "manual: \(action.summary) is not allowed: \($0)" }
                        ?? "would: \(action.summary)\(otherwise ?? "")"
                    let key = Self.key(finding)
                    if let existing = steps.firstIndex(where: { $0.action.same(as: action) }) {
                        let step = steps[existing]
                        steps[existing] = Step(
                            action: action, refusal: step.refusal, check: step.check, addresses: step.addresses + [key])
                    } else {
                        steps.append(Step(action: action, refusal: refusal, check: check, addresses: [key]))
                    }
                }
            }
        }
        self.findings = findings
        self.steps = Self.ordered(steps)
    }

    /// The first of `planned` and its alternatives that the policy allows, carrying the
    /// allowed ones after it (tried if the service lacks its call); else `planned` with
    /// the policy's reason.
    static func choose(_ planned: Action, _ policy: ApplyPolicy?) -> (action: Action, refusal: String?) {
        var first = planned
        first.alternatives = []
        guard let policy else { return (first, "the manifest has no apply: section (report only)") }
        let allowed = ([first] + planned.alternatives).filter { policy.refusal(of: $0.permission) == nil }
        guard var chosen = allowed.first else { return (first, policy.refusal(of: first.permission)) }
        chosen.alternatives = allowed.dropFirst().map { alternative in
            var alternative = alternative
            alternative.alternatives = []
            return alternative
        }
        return (chosen, nil)
    }

    /// Backends before the proxy in front of them: volumes exist before containers that
    /// mount them, containers run before Caddy routes to them. Stable otherwise.
    static func ordered(_ steps: [Step]) -> [Step] {
        let rank = ["docker.volumes": 0, "docker.recreate": 1, "docker.start": 2, "docker.restart_policy": 3, "caddy": 4]
        return steps.enumerated().sorted { a, b in
            let left = rank[a.element.action.permission] ?? 5
            let right = rank[b.element.action.permission] ?? 5
            return left != right ? left < right : a.offset < b.offset
        }.map(\.element)
    }

    /// Identifies "the same thing judged again" across two observations: checker,
    /// resource and what was expected of it.
    static func key(_ finding: Finding) -> String {
        "\(finding.checker)\u{0}\(finding.resource)\u{0}\(finding.expected ?? "")"
    }
}
