import ArgumentParser
import Foundation
import Logging
import ReconcileKit
import ReconcileServe

/// `reconcile serve`: the agent. The same run as `reconcile run`, on an interval, one at a
/// time, with `/metrics`, `/healthz`, `/report.json`, `POST /run` and a status page.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Reconcile on an interval and serve /metrics, /healthz, /report.json, POST /run and a status page.",
        discussion: """
            Runs at start, then every --interval seconds (moved by up to ±--jitter of it, so a \
            fleet does not fetch in step), one run at a time. GET /healthz answers 200 when the \
            last run was in sync, 503 otherwise, and 503 "pending" until this agent's own first \
            run ends (an earlier agent's verdict in the state directory is not the stack's now). \
            POST /run runs now and answers with the report; it needs Authorization: Bearer with \
            the token in --token-file (401 without). SIGTERM lets the run in flight finish, then \
            exits 0; without --dry-run that includes an apply's actions, verification and any \
            rollback. The agent never prompts: like cron, the manifest's apply: policy is the \
            consent.
            """
    )

    @OptionGroup var options: RunOptions

    @Option(name: .long, help: ArgumentHelp("Address to listen on (host:port).", valueName: "host:port"))
    var listen = "127.0.0.1:9177"

    @Option(name: .long, help: ArgumentHelp("Seconds between runs.", valueName: "seconds"))
    var interval: Double = 300

    @Option(name: .long, help: ArgumentHelp("Spread of the interval, as a fraction of it (0.1 = ±10 %).", valueName: "fraction"))
    var jitter: Double = 0.1

    @Option(
        name: .long,
        help: ArgumentHelp("A file holding the bearer token POST /run needs (without it, POST /run is refused).", valueName: "file"))
    var tokenFile: String?

    func validate() throws {
        _ = try NumericFlag.seconds(interval, flag: "--interval")
        guard (0..<1).contains(jitter) else { throw ValidationError("--jitter must be at least 0 and less than 1") }
        _ = try options.source.deadlineBudget()
        _ = try address()
    }

    func address() throws -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port), colon != listen.startIndex
        else { throw ValidationError("--listen expects host:port, got '\(listen)'") }
        return (String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }

    func run() async throws {
        var logger = makeLogger(verbose: options.verbose)
        logger.logLevel = options.verbose ? .debug : .info
        let token: String?
        switch tokenFile.map({ TokenSource.file($0).read(environment: [:], calling: "token") }) {
        case .failure(let problem):
            printError("error: \(problem.reason)")
            throw ExitCode(1)
        case .success(let value):
            token = value
        case nil:
            token = nil
        }
        let (host, port) = try address()
        let budget = try options.source.deadlineBudget()
        let options = self.options
        let runLogger = logger
        let server = ReconcileServer(
            host: host, port: port,
            schedule: ServeAgent.Schedule(interval: try NumericFlag.seconds(interval, flag: "--interval"), jitter: jitter), token: token,
            title: RunOptions.hostName)
        logger.info("reconcile serve on http://\(listen), every \(Int(interval)) s ± \(Int(jitter * 100)) %")
        try await server.run(history: RunHistory.load(from: options.stateDirectory), logger: logger) {
            // Each run's --deadline counts from its own start, and no watchdog ends the
            // process: the agent outlives any one run. The agent keeps SIGTERM, SIGINT and SIGHUP
            // (one signal owner): an apply in flight is finished, not undone, because
            // undoing a verified repair only because the agent restarts would leave drift
            // for its next start to apply again; a repair that fails verification is
            // still rolled back as in any run, and the run is bounded by --deadline.
            await options.reconcile(logger: runLogger, deadline: RunDeadline(budget), agent: true) {
                runLogger.warning("\(UntrustedText.terminalLines($0))")
            }
        }
    }
}
