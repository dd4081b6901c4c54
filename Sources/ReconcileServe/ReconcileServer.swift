import Foundation
import Hummingbird
import Logging
import ReconcileKit
import ServiceLifecycle

/// `reconcile serve`: the scheduler and the HTTP endpoints in one ServiceGroup. SIGTERM and
/// SIGINT (taken over from ``ChildProcessGroups``) shut down gracefully, the scheduler first (it finishes the run in flight), then
/// the server, and `run` returns normally: the process exits 0.
///
/// Built on Hummingbird 2 (SwiftNIO) rather than a hand-written server: HTTP parsing,
/// keep-alive and concurrent connections are its job, and the endpoints stay small.
public struct ReconcileServer: Sendable {
    public var host: String
    public var port: Int
    public var schedule: ServeAgent.Schedule
    /// The bearer token `POST /run` needs; nil refuses every `POST /run`.
    public var token: String?
    /// Shown in the status page's title (the host's name).
    public var title: String

    public init(host: String, port: Int, schedule: ServeAgent.Schedule, token: String?, title: String) {
        self.host = host
        self.port = port
        self.schedule = schedule
        self.token = token
        self.title = title
    }

    /// Serves until SIGTERM, SIGINT or SIGHUP. `reconcile` runs once and records the run.
    public func run(history: RunHistory, logger: Logger, reconcile: @escaping @Sendable () async -> RunRecord) async throws {
        let agent = ServeAgent(schedule: schedule, history: history, reconcile: reconcile)
        let application = Application(
            router: ServeRoutes.router(agent: agent, token: token, title: title),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "reconcile"),
            logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application, agent], logger: logger))
        // The signals stay with ChildProcessGroups (one handler for the whole process, which
        // ServiceLifecycle's own would replace): it hands SIGTERM, SIGINT and SIGHUP over here
        // without killing the run's children, and the group shuts down gracefully.
        ChildProcessGroups.shared.handOverInterrupts(killingChildren: false) { _ in
            Task { await group.triggerGracefulShutdown() }
        }
        try await group.run()
    }
}
