import Foundation

/// The notification step of a run: the transitions since the previous report (and the
/// run-level changes: a stale source, apply's results), one message per change and
/// interested target, plus the messages an earlier run could
/// not deliver (those first, in their order), sent by the `Notifier`. What still fails is
/// kept in the state directory (at most `pendingLimit`, the newest); nothing here changes
/// a run's exit code.
public struct Notifications: Sendable {
    /// Undelivered messages kept at most (the oldest are dropped beyond it).
    public static let pendingLimit = 100

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

    /// Sends what changed from `previous` to `current` (and what is still owed) to
    /// `targets`; returns the problems, for the log.
    public func send(
        from previous: Report?, to current: Report?, targets: [NotifyTarget], host: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> [String] {
        let names = Set(targets.map(\.name))
        var queue = loadPending().filter { names.contains($0.target) }
        if let current {
            let origin = NotificationMessage.Origin(host: host, source: current.source)
            queue += Self.messages(
                Transition.between(previous, current), changes: RunChange.between(previous, current), targets: targets, origin: origin)
        }
        guard !queue.isEmpty || state.read(state.pendingNotifications) != nil else { return [] }
        var (undelivered, problems) = await notifier.deliver(queue, to: targets, environment: environment)
        undelivered = Array(undelivered.suffix(Self.pendingLimit))
        do {
            let data = try JSONEncoder().encode(undelivered)
            try state.write(String(decoding: data, as: UTF8.self) + "\n", to: state.pendingNotifications)
        } catch {
            problems.append("undelivered notifications could not be kept for the next run: \(error)")
        }
        return problems
    }

    func loadPending() -> [PendingNotification] {
        guard let data = state.read(state.pendingNotifications) else { return [] }
        return (try? JSONDecoder().decode([PendingNotification].self, from: data)) ?? []
    }
}
