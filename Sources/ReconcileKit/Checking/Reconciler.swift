import Foundation
import Synchronization

/// Runs planned checks concurrently, each under its own deadline, and gathers their
/// findings. One checker failing or hanging never hides the others' results: a thrown
/// error or a missed deadline becomes an `unknown` finding for that checker.
public struct Reconciler: Sendable {
    /// How long one checker may take, observation and comparison together.
    public var checkDeadline: Duration

    public init(checkDeadline: Duration = .seconds(60)) {
        self.checkDeadline = checkDeadline
    }

    /// Findings in the order of `checks`, each checker's in the order it returned them.
    public func run(_ checks: [PlannedCheck], context: ObservationContext) async -> [Finding] {
        await withTaskGroup(of: (Int, [Finding]).self) { group in
            for (index, check) in checks.enumerated() {
                group.addTask { (index, await self.runBounded(check, context: context)) }
            }
            var results = [[Finding]](repeating: [], count: checks.count)
            for await (index, findings) in group { results[index] = findings }
            return results.flatMap { $0 }
        }
    }

    /// Runs one check in its own task and stops waiting at the deadline, even if the
    /// checker ignores cancellation (it is cancelled, and its late result dropped).
    private func runBounded(_ check: PlannedCheck, context: ObservationContext) async -> [Finding] {
        let deadline = checkDeadline
        let slot = FirstResult()
        let work = Task {
            do {
                slot.offer(try await check(context))
            } catch {
                slot.offer([Self.unobservable(check, reason: "could not observe: \(error)")])
            }
        }
        let timer = Task {
            try? await Task.sleep(for: deadline)
            if !Task.isCancelled {
                slot.offer([Self.unobservable(check, reason: "did not finish within \(deadline.secondsText)")])
                work.cancel()
            }
        }
        let findings = await withCheckedContinuation { slot.await($0) }
        timer.cancel()
        return findings
    }

    /// Holds whichever result arrives first (the check's or the deadline's) and hands it
    /// to the waiting continuation, whichever of the two comes first.
    private final class FirstResult: Sendable {
        private enum State {
            case empty
            case waiting(CheckedContinuation<[Finding], Never>)
            case arrived([Finding])
            case delivered
        }

        private let state = Mutex(State.empty)

        func offer(_ findings: [Finding]) {
            let continuation: CheckedContinuation<[Finding], Never>? = state.withLock { state in
                switch state {
                case .empty:
                    state = .arrived(findings)
                    return nil
                case .waiting(let continuation):
                    state = .delivered
                    return continuation
                case .arrived, .delivered:
                    return nil
                }
            }
            continuation?.resume(returning: findings)
        }

        func await(_ continuation: CheckedContinuation<[Finding], Never>) {
            let ready: [Finding]? = state.withLock { state in
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

extension Duration {
    /// "2.5s", "300ms": short human durations for messages.
    public var secondsText: String {
        let milliseconds = Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return String(format: "%.1fs", Double(milliseconds) / 1000)
    }
}
