import Foundation

/// A message not delivered yet: kept in the state directory and tried again on the next
/// run. It holds the target's name, never its URL (which is read again at send time).
public struct PendingNotification: Sendable, Codable, Hashable {
    public let target: String
    public let kind: TransitionKind
    /// `checker resource`, for logs.
    public let subject: String
    public let body: String

    public init(target: String, kind: TransitionKind, subject: String, body: String) {
        self.target = target
        self.kind = kind
        self.subject = subject
        self.body = body
    }
}

/// Delivers notifications: one POST per message, each bounded by a timeout and retried
/// with exponential backoff; what still fails is handed back to be kept for the next
/// run. The whole delivery has a budget (a share of the run's deadline), the targets are
/// served concurrently, and a target that failed one message (after its retries) is not
/// tried again in this run: one dead webhook costs one message's retries, once, not every
/// queued message's, and never delays another target. Problems name the target and the
/// reason, never the URL (a webhook URL is a credential; it is masked even out of
/// libcurl's own messages).
public struct Notifier: Sendable {
    /// Attempts per message and run: the first and three retries.
    public var attempts = 4
    /// The wait before the first retry; doubled before each further one.
    public var backoff: Duration = .milliseconds(500)
    /// One attempt's whole time, connection included (less when the budget has less left).
    public var timeout: Duration = .seconds(5)
    let client = ObservationContext.notificationClient()

    public init() {}

    /// What `deliver` hands back: the messages not delivered (in their given order) and
    /// what went wrong.
    public typealias Outcome = (undelivered: [PendingNotification], problems: [String])

    /// Sends `messages`, each target's in order and the targets concurrently, until
    /// `deadline`; returns those not delivered (failed, not tried after their target
    /// failed, or left when the budget ran out), in their given order, and what went wrong.
    public func deliver(
        _ messages: [PendingNotification], to targets: [NotifyTarget], environment: [String: String], until deadline: RunDeadline
    ) async -> Outcome {
        let numbered = messages.enumerated().filter { item in targets.contains { $0.name == item.element.target } }
        let names = numbered.map(\.element.target).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let results = await withTaskGroup(of: (name: String, kept: [Int], problems: [String]).self) { group in
            for name in names {
                guard let target = targets.first(where: { $0.name == name }) else { continue }
                let queue = numbered.filter { $0.element.target == name }.map { (index: $0.offset, message: $0.element) }
                group.addTask {
                    let (kept, problems) = await deliver(queue, to: target, environment: environment, until: deadline)
                    return (name, kept, problems)
                }
            }
            var all: [String: (kept: [Int], problems: [String])] = [:]
            for await result in group { all[result.name] = (result.kept, result.problems) }
            return all
        }
        let kept = Set(results.values.flatMap(\.kept))
        // Problems in the targets' order, whichever finished first.
        let problems = names.flatMap { results[$0]?.problems ?? [] }
        return (messages.indices.filter { kept.contains($0) }.map { messages[$0] }, problems)
    }

    /// One target's messages in order: the indices of those not delivered, and the problems.
    private func deliver(
        _ queue: [(index: Int, message: PendingNotification)], to target: NotifyTarget, environment: [String: String],
        until deadline: RunDeadline
    ) async -> (kept: [Int], problems: [String]) {
        let url: String
        switch target.url.read(environment: environment, calling: "webhook URL") {
        case .failure(let problem):
            return (
                queue.map(\.index),
                queue.map {
                    "notify '\(target.name)': \(problem.reason); the \($0.message.kind.rawValue) message for \($0.message.subject) is kept for the next run"
                }
            )
        case .success(let value):
            url = value
        }
        for (position, item) in queue.enumerated() {
            guard let failure = await send(item.message.body, to: url, until: deadline) else { continue }
            let message = item.message
            var problems = [
                "notify '\(target.name)': the \(message.kind.rawValue) message for \(message.subject) was not delivered \(failure.said(masking: url)); kept for the next run"
            ]
            let rest = queue.count - position - 1
            if rest > 0 {
                problems.append(
                    "notify '\(target.name)': \(rest) further message\(rest == 1 ? "" : "s") not tried after that failure; kept for the next run"
                )
            }
            return (queue[position...].map(\.index), problems)
        }
        return ([], [])
    }

    /// Why a message was not delivered: the attempts made, the last one's reason, and
    /// whether the budget ended the attempts early.
    struct Failure {
        let attempts: Int
        let reason: String
        let budget: Duration?

        /// `after 4 attempts (HTTP 500)`, with the URL masked out of libcurl's words.
        func said(masking url: String) -> String {
            let outOfTime = budget.map { "the notification time of \($0.secondsText) ran out" }
            guard attempts > 0 else { return "(\(outOfTime ?? "no attempt"))" }
            let reason = SecretMask(secrets: [url]).mask(reason)
            return "after \(attempts) attempt\(attempts == 1 ? "" : "s") (\(reason)\(outOfTime.map { "; then \($0)" } ?? ""))"
        }
    }

    /// nil when delivered; otherwise why not.
    private func send(_ body: String, to url: String, until deadline: RunDeadline) async -> Failure? {
        var wait = backoff
        var reason = ""
        var tried = 0
        for attempt in 1...max(1, attempts) {
            if attempt > 1 {
                guard wait < deadline.remaining else { break }
                try? await Task.sleep(for: wait)
                wait *= 2
            }
            // Less than this left is no attempt worth making (a loopback round trip takes a few ms).
            let left = deadline.remaining
            guard left >= .milliseconds(50) else { break }
            tried += 1
            let request = HTTPRequest(
                method: "POST", url: url, headers: [HTTPHeader("Content-Type", "application/json")], body: Data(body.utf8),
                timeout: min(timeout, left), maxBodyBytes: 4096)
            do {
                let response = try await client.send(request)
                if (200..<300).contains(response.status) { return nil }
                reason = "HTTP \(response.status)"
            } catch {
                reason = error.description
            }
        }
        return Failure(attempts: tried, reason: reason, budget: tried < max(1, attempts) ? deadline.budget : nil)
    }
}
