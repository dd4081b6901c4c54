import Foundation
import ReconcileKit
import ServiceLifecycle
import Synchronization

/// The scheduler of `reconcile serve`: one reconciliation at a time, first at start, then
/// every interval (spread by the jitter so a fleet does not fetch from git in step), or
/// right away when `POST /run` asks. It keeps the bounded history the endpoints read.
///
/// A `Service`: on graceful shutdown (SIGTERM) it lets the run in flight finish, starts no
/// other, and returns, so the process exits 0 with the run recorded.
public final class ServeAgent: Service, Sendable {
    /// When to run.
    public struct Schedule: Sendable {
        public var interval: Duration
        /// A fraction of the interval (0.1 = ±10 %).
        public var jitter: Double

        public init(interval: Duration, jitter: Double) {
            self.interval = interval
            self.jitter = jitter
        }

        /// The wait before the next run: the interval, moved by up to ±jitter of it.
        func nextDelay<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Duration {
            guard jitter > 0 else { return interval }
            return interval * (1 + Double.random(in: -jitter...jitter, using: &generator))
        }
    }

    /// What the endpoints show: the runs so far and serve's own counters.
    public struct Snapshot: Sendable {
        public let history: RunHistory
        public let running: Bool
        /// Runs by what started them (`start`, `interval`, `request`).
        public let runs: [String: Int]
        /// `POST /run` answers by result (`accepted`, `unauthorized`).
        public let requests: [String: Int]
        /// Every run's actions since serve started (`reconcile_actions_total`, a counter).
        public let actions: ActionCounts
        /// Runs this process finished. The history may hold an earlier agent's runs (a
        /// reused state directory), which say nothing about the stack now.
        public let finished: Int

        /// The newest run of this process: what /healthz and /report.json speak for (nil
        /// until the first ends, whatever the state directory remembers).
        public var current: RunRecord? { finished > 0 ? history.last : nil }
    }

    private struct State {
        var history: RunHistory
        var started = 0
        var finished = 0
        var running = false
        var stopping = false
        var requested = false
        var sleeper: (id: Int, continuation: CheckedContinuation<Void, Never>)?
        var sleeps = 0
        var waiters: [(target: Int, continuation: CheckedContinuation<RunRecord?, Never>)] = []
        var runs: [String: Int] = [:]
        var requests: [String: Int] = [:]
        var actions = ActionCounts()
    }

    let schedule: Schedule
    let reconcile: @Sendable () async -> RunRecord
    private let state: Mutex<State>

    /// - Parameters:
    ///   - history: what the state directory remembers from earlier runs.
    ///   - reconcile: one run, recorded in the state directory and the metrics file.
    public init(schedule: Schedule, history: RunHistory, reconcile: @escaping @Sendable () async -> RunRecord) {
        self.schedule = schedule
        self.reconcile = reconcile
        state = Mutex(State(history: history))
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            var generator = SystemRandomNumberGenerator()
            var trigger = "start"
            while !self.state.withLock({ $0.stopping }) {
                await self.runOnce(trigger)
                guard let next = await self.sleep(self.schedule.nextDelay(using: &generator)) else { break }
                trigger = next
            }
        } onGracefulShutdown: {
            self.stop()
        }
        let waiters = state.withLock { state in
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }

    public var snapshot: Snapshot {
        state.withLock {
            Snapshot(
                history: $0.history, running: $0.running, runs: $0.runs, requests: $0.requests, actions: $0.actions,
                finished: $0.finished)
        }
    }

    /// Counts a refused `POST /run`.
    func refusedRequest() {
        state.withLock { $0.requests["unauthorized", default: 0] += 1 }
    }

    /// Asks for a run now and waits for it: the record of the first run that starts after
    /// this call (nil when serve is shutting down and will not run again).
    public func runNow() async -> RunRecord? {
        await withCheckedContinuation { (continuation: CheckedContinuation<RunRecord?, Never>) in
            let (accepted, sleeper) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                guard !state.stopping else { return (false, nil) }
                state.requests["accepted", default: 0] += 1
                state.waiters.append((state.started + 1, continuation))
                state.requested = true
                defer { state.sleeper = nil }
                return (true, state.sleeper?.continuation)
            }
            if !accepted { continuation.resume(returning: nil) }
            sleeper?.resume()
        }
    }

    private func runOnce(_ trigger: String) async {
        state.withLock { state in
            state.started += 1
            state.running = true
            state.runs[trigger, default: 0] += 1
        }
        let record = await reconcile()
        let done = state.withLock { state in
            state.history.append(record)
            state.actions.add(record.report?.actions ?? [])
            state.finished += 1
            state.running = false
            let finished = state.finished
            let done = state.waiters.filter { $0.target <= finished }
            state.waiters.removeAll { $0.target <= finished }
            return done
        }
        for waiter in done { waiter.continuation.resume(returning: record) }
    }

    /// Waits `delay`, or less when a run is requested; nil when stopping, else the trigger.
    private func sleep(_ delay: Duration) async -> String? {
        let id = state.withLock { state in
            state.sleeps += 1
            return state.sleeps
        }
        let timer = Task {
            guard (try? await Task.sleep(for: delay)) != nil else { return }
            self.wake(id)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.stopping || state.requested { return true }
                state.sleeper = (id, continuation)
                return false
            }
            if now { continuation.resume() }
        }
        timer.cancel()
        return state.withLock { state in
            guard !state.stopping else { return nil }
            defer { state.requested = false }
            return state.requested ? "request" : "interval"
        }
    }

    private func wake(_ id: Int) {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper, sleeper.id == id else { return nil }
            state.sleeper = nil
            return sleeper.continuation
        }
        sleeper?.resume()
    }

    private func stop() {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.stopping = true
            defer { state.sleeper = nil }
            return state.sleeper?.continuation
        }
        sleeper?.resume()
    }
}
