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
/// run. Problems name the target and the reason, never the URL (a webhook URL is a
/// credential; it is masked even out of libcurl's own messages).
public struct Notifier: Sendable {
    /// Attempts per message and run: the first and three retries.
    public var attempts = 4
    /// The wait before the first retry; doubled before each further one.
    public var backoff: Duration = .milliseconds(500)
    /// One attempt's whole time, connection included.
    public var timeout: Duration = .seconds(5)
    let client = ObservationContext.notificationClient()

    public init() {}

    /// Sends `messages` in order; returns those that could not be delivered, and what went wrong.
    public func deliver(_ messages: [PendingNotification], to targets: [NotifyTarget], environment: [String: String]) async
        -> (undelivered: [PendingNotification], problems: [String])
    {
        var undelivered: [PendingNotification] = []
        var problems: [String] = []
        for message in messages {
            guard let target = targets.first(where: { $0.name == message.target }) else { continue }
            let url: String
            switch target.url.read(environment: environment, calling: "webhook URL") {
            case .failure(let problem):
                problems.append(
                    "notify '\(target.name)': \(problem.reason); the \(message.kind.rawValue) message for \(message.subject) is kept for the next run"
                )
                undelivered.append(message)
                continue
            case .success(let value):
                url = value
            }
            if let reason = await send(message.body, to: url) {
                let safe = SecretMask(secrets: [url]).mask(reason)
                problems.append(
                    "notify '\(target.name)': the \(message.kind.rawValue) message for \(message.subject) was not delivered after \(attempts) attempts (\(safe)); kept for the next run"
                )
                undelivered.append(message)
            }
        }
        return (undelivered, problems)
    }

    /// nil when delivered; otherwise the last attempt's reason.
    private func send(_ body: String, to url: String) async -> String? {
        var wait = backoff
        var reason = ""
        for attempt in 1...max(1, attempts) {
            if attempt > 1 {
                try? await Task.sleep(for: wait)
                wait *= 2
            }
            let request = HTTPRequest(
                method: "POST", url: url, headers: [HTTPHeader("Content-Type", "application/json")], body: Data(body.utf8),
                timeout: timeout, maxBodyBytes: 4096)
            do {
                let response = try await client.send(request)
                if (200..<300).contains(response.status) { return nil }
                reason = "HTTP \(response.status)"
            } catch {
                reason = error.description
            }
        }
        return reason
    }
}
