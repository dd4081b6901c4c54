import Foundation

/// The notification step of a run: the transitions since the previous report (and the
/// run-level changes: a stale source, apply's results), one message per change and
/// interested target, plus the messages an earlier run could
/// not deliver (those first, in their order), sent by the `Notifier` within a share of the
/// run's deadline. What still fails is
/// kept in the state directory (at most `pendingLimit`, the newest); nothing here changes
/// a run's exit code.
public struct Notifications: Sendable {
    /// Undelivered messages kept at most (the oldest are dropped beyond it).
    public static let pendingLimit = 100

    /// The least time notifications get, even when the checks used the whole run: the
    /// changes a run that hit its deadline found (often `unknown`s) are the ones to tell,
    /// and a reachable webhook answers well within it. The run may end this much after
    /// its deadline (the watchdog's half second of grace is the same kind of allowance).
    public static let minimumTime: Duration = .seconds(2)
    /// The most time notifications get: one dead target's full retries (4 × 5 s plus
    /// 3.5 s of backoff) fit, and `reconcile serve`'s loop is never held up for longer.
    public static let maximumTime: Duration = .seconds(30)

    /// The deadline of a run's notifications: what is left of `run`, at least
    /// `minimumTime` and at most `maximumTime` from now.
    public static func deadline(within run: RunDeadline) -> RunDeadline {
        RunDeadline(min(max(run.remaining, minimumTime), maximumTime))
    }

    public let state: StateDirectory
    public var notifier = Notifier()

    public init(state: StateDirectory) {
        self.state = state
    }

    /// The messages for `transitions` and `changes`: one per change and target whose `on:`
    /// has its kind; a stale source first, then the findings, then apply's results.
    public static func messages(
        _ transitions: [Transition], changes: [RunChange] = [], targets: [NotifyTarget], origin: NotificationMessage.Origin
    ) -> [PendingNotification] {
        targets.flatMap { target in
            let slack = target.format == .slack
            let stale = changes.filter { $0.kind == .stale }
            let applied = changes.filter { $0.kind != .stale }
            let findings = transitions.map { transition in
                PendingNotification(
                    target: target.name, kind: transition.kind,
                    subject: "\(transition.finding.checker) \(UntrustedText.terminalLine(transition.finding.resource, limit: 80))",
                    body: slack
                        ? NotificationMessage.slack(transition, origin: origin) : NotificationMessage.json(transition, origin: origin))
            }
            let runs = { (changes: [RunChange]) in
                changes.map { change in
                    PendingNotification(
                        target: target.name, kind: change.kind, subject: Self.subject(change),
                        body: slack ? NotificationMessage.slack(change, origin: origin) : NotificationMessage.json(change, origin: origin))
                }
            }
            return (runs(stale) + findings + runs(applied)).filter { target.on.contains($0.kind) }
        }
    }

    /// What a run-level message is about, for logs: `apply of 3 actions`, `source REPO`.
    static func subject(_ change: RunChange) -> String {
        switch change {
        case .applied(let actions): "apply of \(actions.count) action\(actions.count == 1 ? "" : "s")"
        case .stale(let source): "source \(UntrustedText.terminalLine(source.repo, limit: 80))"
        }
    }

    /// Why a run whose record could not be written to `state` sends nothing. Messages go
    /// out only on change, and the state directory is how a run knows what the runs before
    /// it already sent: without it every run would send the same drift again (and retry
    /// owed messages it could never mark delivered). The exit code and metrics still say
    /// the stack's state; this line, on every such run, says why nobody is told.
    public static func unrecordedRun(_ state: StateDirectory) -> String {
        "notifications not sent: the state directory \(state.path) cannot be written, and without it every run "
            + "would send the same messages again; make it writable by this user or choose another with --state-dir"
    }

    /// Sends what changed from `previous` to `current` (and what is still owed) to
    /// `targets`, until `deadline` (see `deadline(within:)`); returns the problems, for the log.
    public func send(
        from previous: Report?, to current: Report?, targets: [NotifyTarget], host: String, until deadline: RunDeadline,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> [String] {
        let names = Set(targets.map(\.name))
        let pendingFile = state.read(state.pendingNotifications)
        var queue = Self.pending(in: pendingFile).filter { names.contains($0.target) }
        if let current {
            let origin = NotificationMessage.Origin(host: host, source: current.source)
            queue += Self.messages(
                Transition.between(previous, current), changes: RunChange.between(previous, current), targets: targets, origin: origin)
        }
        guard !queue.isEmpty || pendingFile != nil else { return [] }
        var (undelivered, problems) = await notifier.deliver(queue, to: targets, environment: environment, until: deadline)
        undelivered = Array(undelivered.suffix(Self.pendingLimit))
        guard !undelivered.isEmpty || pendingFile != nil else { return problems }
        do {
            let data = try JSONEncoder().encode(undelivered)
            try state.write(String(decoding: data, as: UTF8.self) + "\n", to: state.pendingNotifications)
        } catch {
            problems.append("\(undelivered.count) undelivered notification(s) could not be kept for the next run: \(error)")
        }
        return problems
    }

    /// The messages owed, from the pending-notifications file's bytes (none when absent or unreadable).
    static func pending(in data: Data?) -> [PendingNotification] {
        guard let data else { return [] }
        return (try? JSONDecoder().decode([PendingNotification].self, from: data)) ?? []
    }
}
