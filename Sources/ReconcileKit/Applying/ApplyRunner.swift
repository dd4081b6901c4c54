import Foundation

/// Apply mode's pipeline, owned by the reconciler and not by the plugins: observe and
/// plan; ask for consent; execute the allowed actions in order, journaling each; then
/// observe everything again and verify; and undo every applied action, newest first,
/// when a `verify` checker got worse, an applied resource still drifts or cannot be
/// observed, an action failed, or the run was interrupted.
///
/// All of it within the run's `--deadline`: a quarter of the budget is kept for undo
/// and the observation after it, so acting and verifying must be over before that
/// quarter starts. No action starts past that point, and the verification observes only
/// until then (a checker still waiting is `unknown`, which fails the verification and
/// undoes the apply). An action or an undo in flight is never cut off (that would leave
/// half a change), so only one taking longer than its own request timeouts can overrun.
public struct ApplyRunner: Sendable {
    public var reconciler: Reconciler
    /// `apply:` by manifest file.
    public var policies: [String: ApplyPolicy]
    public var journal: Journal?
    /// The desired state's commit, for the journal.
    public var commit: String?
    public var interruption: Interruption
    /// The run's `--deadline` (nil: only each checker's own deadline bounds the run).
    public var deadline: RunDeadline?

    public init(
        reconciler: Reconciler, policies: [String: ApplyPolicy], journal: Journal?, commit: String?,
        interruption: Interruption = Interruption(), deadline: RunDeadline? = nil
    ) {
        self.reconciler = reconciler
        self.policies = policies
        self.journal = journal
        self.commit = commit
        self.interruption = interruption
        self.deadline = deadline
    }

    /// The part of a run's budget kept for undoing and observing the state after: a
    /// quarter, so a `--deadline 6` run stops acting and verifying 1.5 s before its end.
    public static func undoReserve(of budget: Duration) -> Duration { budget / 4 }

    /// When acting and verifying must be over, so the undo still fits in the run.
    private var verifyEnd: ContinuousClock.Instant? {
        deadline.map { $0.instant - Self.undoReserve(of: $0.budget) }
    }

    /// The reconciler, its checkers' deadline shortened to end at `end` when that comes
    /// first; `why` says so in the message of a checker cut off there.
    private func reconciler(until end: ContinuousClock.Instant?, _ why: String) -> Reconciler {
        guard let end else { return reconciler }
        let left = max(.zero, end - .now)
        guard left < reconciler.checkDeadline else { return reconciler }
        return Reconciler(checkDeadline: left, limitedBy: why)
    }

    /// "the run's --deadline of 6s", for messages.
    private var deadlineText: String { "the run's --deadline of \(deadline?.budget.secondsText ?? "-")" }

    /// What a run did.
    public struct Result: Sendable {
        /// The state after (re-observed), each drift finding with its plan.
        public var findings: [Finding]
        public var actions: [ActionOutcome]
        /// Something failed, was rolled back, or the run was interrupted: exit 1.
        public var failed: Bool
        /// Why, for stderr (nil when nothing failed).
        public var cause: String?
        /// How long the first observation and the re-observation after the actions took
        /// (nil when there was none), for `--verbose` and the benchmark.
        public var observed: (first: Duration, after: Duration?) = (.zero, nil)
    }

    /// Runs the pipeline. `confirm` sees the plan (its allowed steps are what will run)
    /// and says whether to go ahead.
    public func run(
        _ checks: [PlannedCheck], observing: ObservationContext, applying: ApplyContext, only: Set<String>? = nil,
        confirm: @Sendable (Plan) async -> Bool = { _ in true }
    ) async -> Result {
        let clock = ContinuousClock()
        var started = clock.now
        // The checkers `verify:` names are observed before the apply even when `--only`
        // leaves them out: without their "ok before", an apply that breaks them would
        // pass verification. What is planned and reported stays within `--only`.
        let gate = only.map { $0.union(checks.flatMap { policies[$0.position.file]?.verify ?? ApplyPolicy.defaultVerify }) }
        let observed = await reconciler.outcomes(checks, context: observing, only: gate)
        let before = filter(observed, only)
        let first = clock.now - started
        let plan = Plan(before, policies: policies)
        var log = ActionLog(steps: plan.steps)
        if let signal = interruption.requested {
            let cause = "\(ApplyInterrupted(signal: signal, while: "observing"))"
            log.skipPlanned(cause)
            return Result(findings: plan.findings, actions: log.outcomes, failed: true, cause: cause, observed: (first, nil))
        }
        guard !plan.allowed.isEmpty else {
            return Result(findings: plan.findings, actions: log.outcomes, failed: false, cause: nil, observed: (first, nil))
        }
        guard await confirm(plan) else {
            log.skipPlanned("declined at the prompt")
            return Result(findings: plan.findings, actions: log.outcomes, failed: false, cause: nil, observed: (first, nil))
        }

        var applied: [(step: Plan.Step, record: any Sendable)] = []
        var queue = plan.allowed
        var replanned: Set<String> = []
        var cause: String?
        while !queue.isEmpty {
            let step = queue.removeFirst()
            if let signal = interruption.requested {
                cause = "interrupted by signal \(signal) before \(step.action.summary)"
                break
            }
            if let end = verifyEnd, ContinuousClock.now >= end {
                let late =
                    "\(deadlineText) left no time for \(step.action.summary) and its verification "
                    + "(\(Self.undoReserve(of: deadline?.budget ?? .zero).secondsText) is kept for undo)"
                guard !applied.isEmpty else {
                    log.skipPlanned(late)
                    return Result(findings: plan.findings, actions: log.outcomes, failed: true, cause: late, observed: (first, nil))
                }
                cause = late
                break
            }
            guard let fixer = step.check.fixer else { continue }
            do {
                let record = try await fixer.apply(step.action, applying)
                applied.append((step, record))
                mark(step.action, .applied, nil, in: &log)
            } catch let conflict as ApplyConflict {
                let key = "\(step.check.position.file)\u{0}\(step.check.checker)"
                guard replanned.insert(key).inserted else {
                    cause = "\(step.action.summary) failed again after re-planning: \(conflict.message)"
                    mark(step.action, .failed, conflict.message, in: &log)
                    break
                }
                log.set(step.action, .skipped, detail: "\(conflict.message); observed again and re-planned")
                let fresh = await reconciler(until: verifyEnd, "what \(deadlineText) left for observing again").outcomes(
                    checks.filter { $0.position.file == step.check.position.file }, context: observing,
                    only: [step.check.checker])
                let again = Plan(fresh, policies: policies).allowed
                queue.removeAll { $0.check.checker == step.check.checker && $0.check.position.file == step.check.position.file }
                queue.insert(contentsOf: again, at: 0)
                log.add(again)
            } catch let unsupported as ApplyUnsupported where !step.action.alternatives.isEmpty {
                var alternative = step.action.alternatives[0]
                alternative.alternatives = Array(step.action.alternatives.dropFirst())
                log.set(step.action, .skipped, detail: "\(unsupported.message); \(alternative.summary) instead")
                let instead = Plan.Step(action: alternative, refusal: nil, check: step.check, addresses: step.addresses)
                queue.insert(instead, at: 0)
                log.add([instead])
            } catch let undone as ApplyUndone {
                cause = "\(step.action.summary) failed and was undone: \(undone.message)"
                mark(step.action, .rolledBack, undone.message, in: &log)
                break
            } catch {
                let message = "\(error)"
                cause = "\(step.action.summary) failed: \(message)"
                mark(step.action, .failed, message, in: &log)
                break
            }
        }
        if cause == nil, let signal = interruption.requested { cause = "interrupted by signal \(signal)" }
        if cause != nil {
            log.skipPlanned(cause ?? "")
            return await rollBack(
                applied, because: cause ?? "", checks: checks, observing: observing, applying: applying, only: only, log: log)
        }

        started = clock.now
        let reserve = Self.undoReserve(of: deadline?.budget ?? .zero).secondsText
        let after = await reconciler(until: verifyEnd, "what \(deadlineText) left for verification, keeping \(reserve) for undo")
            .outcomes(checks, context: observing, only: nil)
        let again = clock.now - started
        if let signal = interruption.requested {
            return await rollBack(
                applied, because: "interrupted by signal \(signal)", checks: checks, observing: observing, applying: applying, only: only,
                log: log)
        }
        if let problem = verificationProblem(before: observed, after: after, applied: applied.map(\.step)) {
            return await rollBack(applied, because: problem, checks: checks, observing: observing, applying: applying, only: only, log: log)
        }
        for (step, record) in applied { await finish(step, record, applying) }
        return Result(
            findings: Plan(filter(after, only), policies: policies).findings, actions: log.outcomes, failed: false, cause: nil,
            observed: (first, again))
    }

    /// The first reason the applied state is not acceptable, or nil: a `verify` checker
    /// that was ok before and is drift or unknown now, or that was drift before and is
    /// unknown now; an applied resource that still drifts, or that could not be observed
    /// again (a finding about it is `unknown`, or its checker judged nothing at all), since
    /// nothing then proves the action worked.
    func verificationProblem(before: [CheckOutcome], after: [CheckOutcome], applied: [Plan.Step]) -> String? {
        let afterFindings = after.flatMap(\.findings)
        /// What the checker said when it could not observe (": did not finish within 2s"),
        /// about `resource` if it said something about it.
        func why(_ checker: String, _ resource: String? = nil) -> String {
            let unknown = afterFindings.filter { $0.checker == checker && $0.status == .unknown }
            return (unknown.first { $0.resource == resource } ?? unknown.first).map { ": \($0.message)" } ?? ""
        }
        var afterStatus: [String: Status] = [:]
        for finding in afterFindings {
            let key = "\(finding.checker)\u{0}\(finding.resource)"
            afterStatus[key] = Status.worst(of: [afterStatus[key] ?? .ok, finding.status])
        }
        for outcome in before {
            let verify = policies[outcome.check.position.file]?.verify ?? ApplyPolicy.defaultVerify
            guard verify.contains(outcome.check.checker) else { continue }
            for finding in outcome.findings where finding.status != .unknown {
                let now = afterStatus["\(finding.checker)\u{0}\(finding.resource)"] ?? .unknown
                if now == .unknown || (finding.status == .ok && now == .drift) {
                    return "verification failed: \(finding.checker) \(finding.resource) was \(finding.status.rawValue) before and is "
                        + "\(now.rawValue) after the apply\(now == .unknown ? why(finding.checker) : "")"
                }
            }
        }
        let statusByKey = Dictionary(afterFindings.map { (Plan.key($0), $0.status) }, uniquingKeysWith: max)
        for step in applied {
            let (checker, resource) = (step.action.checker, step.action.resource)
            if step.addresses.contains(where: { statusByKey[$0] == .drift }) {
                return "verification failed: \(checker) \(resource) still drifts after \(step.action.summary)"
            }
            let findings =
                after.first { $0.check.checker == step.check.checker && $0.check.position.file == step.check.position.file }?.findings
                ?? []
            let unjudged = step.addresses.contains { statusByKey[$0] == nil } && !findings.contains { $0.status != .unknown }
            if unjudged || findings.contains(where: { $0.resource == resource && $0.status == .unknown }) {
                return "verification failed: \(checker) \(resource) could not be observed after \(step.action.summary), "
                    + "so nothing proves it worked\(why(checker, resource))"
            }
        }
        return nil
    }

    /// Undoes `applied` newest first (when the manifest allows rollback), observes again
    /// and reports the state after.
    private func rollBack(
        _ applied: [(step: Plan.Step, record: any Sendable)], because cause: String, checks: [PlannedCheck],
        observing: ObservationContext, applying: ApplyContext, only: Set<String>?, log: ActionLog
    ) async -> Result {
        var log = log
        for (step, record) in applied.reversed() {
            guard policies[step.check.position.file]?.rollback ?? true else {
                log.set(step.action, .applied, detail: "kept (apply.rollback is false): \(cause)")
                await finish(step, record, applying)
                continue
            }
            do {
                try await step.check.fixer?.undo(record, applying)
                mark(step.action, .rolledBack, cause, in: &log)
            } catch {
                let detail = "undo failed: \(error) (after: \(cause))"
                mark(step.action, .failed, detail, in: &log)
            }
        }
        let after = await reconciler(until: deadline?.instant, "what \(deadlineText) left after the undo")
            .outcomes(checks, context: observing, only: only)
        return Result(findings: Plan(after, policies: policies).findings, actions: log.outcomes, failed: true, cause: cause)
    }

    /// The action stays: let its fixer drop what only undo needed. A failure here leaves
    /// something behind but changes nothing the run verified, so it is a warning.
    private func finish(_ step: Plan.Step, _ record: any Sendable, _ applying: ApplyContext) async {
        do {
            try await step.check.fixer?.finish(record, applying)
        } catch {
            FileHandle.standardError.write(Data("warning: after \(step.action.summary): \(error)\n".utf8))
        }
    }

    private func filter(_ outcomes: [CheckOutcome], _ only: Set<String>?) -> [CheckOutcome] {
        guard let only else { return outcomes }
        return outcomes.filter { only.contains($0.check.checker) }
    }

    /// The action's outcome, in the report's log and as its journal line.
    private func mark(_ action: Action, _ result: ActionStatus, _ detail: String?, in log: inout ActionLog) {
        log.set(action, result, detail: detail)
        do {
            try journal?.record(action, result: result, detail: detail, commit: commit)
        } catch {
            FileHandle.standardError.write(Data("warning: \(error)\n".utf8))
        }
    }
}

/// The report's `actions`, in plan order, updated as the run goes.
struct ActionLog {
    private(set) var outcomes: [ActionOutcome]
    private var actions: [Action]

    init(steps: [Plan.Step]) {
        actions = steps.map(\.action)
        outcomes = steps.map { ActionOutcome($0.action, status: $0.refusal == nil ? .planned : .skipped, detail: $0.refusal) }
    }

    mutating func set(_ action: Action, _ status: ActionStatus, detail: String? = nil) {
        guard let index = actions.lastIndex(of: action) else { return }
        outcomes[index].status = status
        outcomes[index].detail = detail
    }

    mutating func add(_ steps: [Plan.Step]) {
        for step in steps {
            actions.append(step.action)
            outcomes.append(ActionOutcome(step.action, status: .planned))
        }
    }

    /// Every action still `planned` becomes `skipped` with `reason`.
    mutating func skipPlanned(_ reason: String) {
        for index in outcomes.indices where outcomes[index].status == .planned {
            outcomes[index].status = .skipped
            outcomes[index].detail = reason
        }
    }
}
