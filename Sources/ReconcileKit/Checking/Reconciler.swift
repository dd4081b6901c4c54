import Foundation
import Synchronization

/// Runs planned checks concurrently, each under its own deadline, and gathers their
/// findings. One checker failing or hanging never hides the others' results: a thrown
/// error or a missed deadline becomes an `unknown` finding for that checker.
public struct Reconciler: Sendable {
    /// How long one checker may take, observation and comparison together.
    public var checkDeadline: Duration
    /// Why `checkDeadline` is what it is when something other than `--timeout` set it
    /// (what the run's `--deadline` left), for the message of a checker cut off there.
    public var limitedBy: String?

    public init(checkDeadline: Duration = .seconds(60), limitedBy: String? = nil) {
        self.checkDeadline = checkDeadline
        self.limitedBy = limitedBy
    }

    /// Findings in the order of `checks`, each checker's in the order it returned them.
    ///
    /// Every check is observed once, all at the same time; a checker that reads another's
    /// observation (its `inputs`) waits for that one only. With `only`, the other checks
    /// are left out, except those whose observations a reported check needs (observed,
    /// not reported).
    public func run(_ checks: [PlannedCheck], context: ObservationContext, only: Set<String>? = nil) async
        -> [Finding]
    {
        await outcomes(checks, context: context, only: only).flatMap(\.findings)
    }

    /// Like `run`, keeping each reported check's observation beside its findings (what a
    /// `Fixer` plans from). The observation is nil when there was none (it failed or
    /// missed its deadline).
    public func outcomes(_ checks: [PlannedCheck], context: ObservationContext, only: Set<String>? = nil) async
        -> [CheckOutcome]
    {
        let reported = checks.filter { only?.contains($0.checker) ?? true }
        let needed = Set(reported.flatMap { check in check.inputs.map { SharedObservations.key(check.position.file, $0) } })
        let shared = SharedObservations()
        let observed = checks.filter {
            only?.contains($0.checker) ?? true || needed.contains(SharedObservations.key($0.position.file, $0.checker))
        }
        // Inputs first, so a checker asking for another's observation always finds its task.
        for check in Self.inputsFirst(observed) {
            var checkContext = context
            checkContext.sharing = (shared, check.position.file)
            checkContext.readers = Set(
                observed.filter { $0.position.file == check.position.file && $0.inputs.contains(check.checker) }.map(\.checker))
            checkContext.desiredSections = checks.filter { $0.position.file == check.position.file }.map(\.spec)
            checkContext.deadline = .now + checkDeadline
            let observing = checkContext
            shared.start(manifest: check.position.file, checker: check.checker) { try await check.observe(observing) }
        }
        return await withTaskGroup(of: (Int, CheckOutcome).self) { group in
            for (index, check) in reported.enumerated() {
                guard let observation = shared.task(manifest: check.position.file, checker: check.checker) else { continue }
                group.addTask { (index, await self.runBounded(check, observation: observation)) }
            }
            var results = reported.map { CheckOutcome(check: $0, findings: [], observation: nil) }
            for await (index, outcome) in group { results[index] = outcome }
            return results
        }
    }

    /// `checks` ordered so that each comes after the checks (of its manifest) it reads.
    static func inputsFirst(_ checks: [PlannedCheck]) -> [PlannedCheck] {
        var ordered: [PlannedCheck] = []
        var placed: Set<String> = []
        var remaining = checks
        while !remaining.isEmpty {
            let ready = remaining.filter { check in
                check.inputs.allSatisfy { input in
                    placed.contains(SharedObservations.key(check.position.file, input))
                        || !remaining.contains { $0.checker == input && $0.position.file == check.position.file }
                }
            }
            // A cycle (which the contract forbids) is broken by taking the rest as they are.
            let next = ready.isEmpty ? remaining : ready
            ordered += next
            placed.formUnion(next.map { SharedObservations.key($0.position.file, $0.checker) })
            remaining.removeAll { check in next.contains { $0.checker == check.checker && $0.position.file == check.position.file } }
        }
        return ordered
    }

    /// Waits for one check's observation and compares it, but stops waiting at the
    /// deadline even if the checker ignores cancellation (it is cancelled, and its late
    /// result dropped).
    private func runBounded(_ check: PlannedCheck, observation: Task<any Sendable, Error>) async -> CheckOutcome {
        let deadline = checkDeadline
        let why = limitedBy.map { " (\($0))" } ?? ""
        let slot = FirstResult()
        let work = Task {
            do {
                let observed = try await observation.value
                slot.offer(CheckOutcome(check: check, findings: check.compare(observed), observation: observed))
            } catch {
                slot.offer(
                    CheckOutcome(
                        check: check, findings: [Self.unobservable(check, reason: "could not observe: \(error)")],
                        observation: nil))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: deadline)
            if !Task.isCancelled {
                // The hung checker is told to stop before the run goes on, so nothing it
                // waits for can be released first and let its late result look timely.
                slot.offer(
                    CheckOutcome(
                        check: check,
                        findings: [Self.unobservable(check, reason: "did not finish within \(deadline.secondsText)\(why)")],
                        observation: nil)
                ) {
                    observation.cancel()
                    work.cancel()
                }
            }
        }
        let outcome = await withCheckedContinuation { slot.await($0) }
        timer.cancel()
        return outcome
    }

    /// Holds whichever result arrives first (the check's or the deadline's) and hands it
    /// to the waiting continuation, whichever of the two comes first.
    private final class FirstResult: Sendable {
        private enum State {
            case empty
            case waiting(CheckedContinuation<CheckOutcome, Never>)
            case arrived(CheckOutcome)
            case delivered
        }

        private let state = Mutex(State.empty)

        /// Offers a result; if it is the first, `won` runs before anyone can receive it.
        func offer(_ findings: CheckOutcome, ifFirst won: () -> Void = {}) {
            let continuation: CheckedContinuation<CheckOutcome, Never>? = state.withLock { state in
                switch state {
                case .empty:
                    won()
                    state = .arrived(findings)
                    return nil
                case .waiting(let continuation):
                    won()
                    state = .delivered
                    return continuation
                case .arrived, .delivered:
                    return nil
                }
            }
            continuation?.resume(returning: findings)
        }

        func await(_ continuation: CheckedContinuation<CheckOutcome, Never>) {
            let ready: CheckOutcome? = state.withLock { state in
                if case .arrived(let findings) = state {
                    state = .delivered
                    return findings
                }
                state = .waiting(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    static func unobservable(_ check: PlannedCheck, reason: String) -> Finding {
        Finding(
            checker: check.checker, resource: check.checker, status: .unknown, severity: .error,
            message: reason, position: check.position)
    }
}

/// One reported check after a run: its findings and the observation they were compared
/// from (nil when observing failed or missed the deadline).
public struct CheckOutcome: Sendable {
    public let check: PlannedCheck
    public var findings: [Finding]
    let observation: (any Sendable)?
}

extension Duration {
    /// The duration in seconds, for metrics and for APIs that count in seconds.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// "2.5s", "300ms": short human durations for messages.
    public var secondsText: String {
        let milliseconds = Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return String(format: "%.1fs", Double(milliseconds) / 1000)
    }
}

/// The observations of one run, each made once by its own task and awaited by its
/// checker and by any checker that declared it as an input.
final class SharedObservations: Sendable {
    private let tasks = Mutex<[String: Task<any Sendable, Error>]>([:])

    static func key(_ manifest: String, _ checker: String) -> String { "\(manifest)\u{0}\(checker)" }

    func start(manifest: String, checker: String, _ observe: @escaping @Sendable () async throws -> any Sendable) {
        let task = Task { try await observe() }
        tasks.withLock { $0[Self.key(manifest, checker)] = task }
    }

    func task(manifest: String, checker: String) -> Task<any Sendable, Error>? {
        tasks.withLock { $0[Self.key(manifest, checker)] }
    }
}
