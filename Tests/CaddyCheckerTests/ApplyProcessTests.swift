import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// Apply as a process among others: the lock, signals, the prompt. The apply under test
/// is held in its verify health check (an endpoint that answers the first observation at
/// once and the verify only once the test opens its gate), so another process meets it
/// in the middle however slow the machine is; nothing here measures time.
@Suite struct ApplyProcessTests {
    /// A Caddy whose media root drifts, a health check held at a gate, and a config repository.
    struct Setup {
        let caddy: CaddyInstance
        let upstream: FixtureHTTPServer
        let repo: ScratchRepository
        let state: TemporaryDirectory
    }

    /// - Parameter held: whether the health check's second request (the verify after the
    ///   apply) waits at the gate `verify`.
    static func setUp(held: Bool = true) async throws -> Setup {
        let caddy = try await startCaddy(productionSites)
        let upstream = try await offPool { try FixtureHTTPServer() }
        let repo = try await applyRepository(
            productionManifest(caddy, media: caddy.scratch.file("media2")) + """
                health:
                  - name: held
                    url: \(upstream.baseURL)\(held ? "/gate/verify/1" : "/status/200")
                    expect: { status: 200 }
                    timeout_ms: 20000
                apply:
                  caddy: true
                """)
        return Setup(caddy: caddy, upstream: upstream, repo: repo, state: try TemporaryDirectory(prefix: "reconcile-apply-state"))
    }

    /// Starts an apply in the background.
    static func startApply(_ setup: Setup, extra: [String] = []) throws -> ManagedProcess {
        try ManagedProcess(
            TestPaths.reconcileBinary,
            applyArguments(repo: setup.repo.path, state: setup.state.path, extra: extra),
            environment: ["XDG_STATE_HOME": setup.state.path])
    }

    /// Starts an apply and returns once it holds the host's lock (held in its verify).
    static func startHoldingTheLock(_ setup: Setup) async throws -> ManagedProcess {
        let first = try Self.startApply(setup)
        let lock = setup.state.file("reconcile/apply.lock")
        try await offPool {
            try waitUntil("the first apply to hold the lock") {
                (try? String(contentsOfFile: lock, encoding: .utf8)) == "\(first.pid)\n" || !first.process.isRunning
            }
        }
        return first
    }

    @Test func aSecondApplyExitsAtOnceNamingTheFirstOrWaitsWithLockWait() async throws {
        let setup = try await Self.setUp()
        defer { setup.caddy.stop() }
        let first = try await Self.startHoldingTheLock(setup)
        let second = try await reconcileRun(repo: setup.repo.path, state: setup.state.path)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another reconcile is applying (pid \(first.pid))"), "\(second.stderr)")
        #expect(second.stdout.isEmpty)

        // Only Caddy: the health check's one request that answers at once is the first apply's.
        let dryRun = try await reconcileRun(repo: setup.repo.path, state: setup.state.path, dryRun: true, extra: ["--only", "caddy"])
        #expect(!dryRun.stderr.contains("another reconcile"), "a dry run never takes the lock")

        try setup.upstream.openGate("verify")
        let waiting = try await reconcileRun(repo: setup.repo.path, state: setup.state.path, extra: ["--lock-wait", "60"])
        #expect(await first.process.exitStatus() == 0, "\(first.output)")
        #expect(waiting.status == 0, "\(waiting.stderr)")
        #expect(waiting.actions.isEmpty, "the first apply already repaired everything")
    }

    /// The lock is the host's, not the journal's: an apply naming another `--journal`
    /// and `--state-dir` still waits for the first (the lock sat beside the journal, so
    /// two such applies changed the same services at once). Found by exploratory review.
    @Test func anApplyWithAnotherJournalAndStateDirectoryStillWaitsForTheFirst() async throws {
        let setup = try await Self.setUp()
        defer { setup.caddy.stop() }
        let first = try await Self.startHoldingTheLock(setup)
        let elsewhere = try TemporaryDirectory(prefix: "reconcile-apply-elsewhere")
        let second = try await offPool {
            try run(
                TestPaths.reconcileBinary,
                [
                    "--repo", setup.repo.path, "--manifest", "manifests/production.yaml", "--journal", elsewhere.file("journal.jsonl"),
                    "--state-dir", elsewhere.file("state"),
                ], environment: ["XDG_STATE_HOME": setup.state.path])
        }
        try setup.upstream.openGate("verify")
        #expect(second.status == 1)
        #expect(second.stderr.contains("another reconcile is applying (pid \(first.pid))"), "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: elsewhere.file("apply.lock")), "no lock beside the other journal")
        #expect(await first.process.exitStatus() == 0, "\(first.output)")
    }

    /// SIGHUP too (a closed terminal or SSH session): it used to end reconcile at once,
    /// leaving the action applied, unverified and undone by nobody (a recreated container's
    /// old one parked). Found by exploratory review.
    @Test(arguments: [SIGTERM, SIGHUP]) func aSignalMidApplyUndoesTheActionAndExitsOne(signal: Int32) async throws {
        let setup = try await Self.setUp()
        defer { setup.caddy.stop() }
        let before = try await liveConfig(setup.caddy)
        let apply = try Self.startApply(setup)
        let state = setup.state.path
        try await offPool {
            try waitUntil("the action to be applied") { !journalLines(state).isEmpty || !apply.process.isRunning }
        }
        kill(apply.pid, signal)
        try await offPool {
            try waitUntil("the apply to say it heard the signal") {
                apply.output.contains("signal \(signal) received") || !apply.process.isRunning
            }
        }
        // Only now may the verify in flight finish: the apply knows it was interrupted.
        try setup.upstream.openGate("verify")
        #expect(await apply.process.exitStatus() == 1)
        #expect(apply.output.contains("interrupted by signal \(signal)"), "\(apply.output)")
        #expect(journalLines(state).map { $0["result"] as? String } == ["applied", "rolled_back"])
        #expect(try await liveConfig(setup.caddy) == before, "no half-applied config is left")
    }

    /// The verify after an apply lives inside `--deadline`: its health check hangs (the
    /// gate never opens), so it is cut off where the run's deadline, less the quarter kept
    /// for undo, says, and the apply is undone. The verify used to get a fresh `--timeout`
    /// on top of the time already spent (a `--deadline 6` run took 11.7 s). Found by
    /// exploratory review.
    @Test func aVerificationThatHangsEndsWithinTheDeadlineAndIsRolledBack() async throws {
        let setup = try await Self.setUp()
        defer { setup.caddy.stop() }
        let before = try await liveConfig(setup.caddy)
        // 16 s: the start, the first observation and the PATCH must fit in the 12 s before
        // the undo's quarter however loaded the machine is; the run then takes about 16 s.
        let apply = try Self.startApply(setup, extra: ["--deadline", "16", "--timeout", "60"])
        try await offPool { try waitUntil(timeout: .seconds(120), "the apply to end on its own") { !apply.process.isRunning } }
        #expect(await apply.process.exitStatus() == 1, "\(apply.output)")
        #expect(
            apply.output.contains(
                "verification failed: health held was ok before and is unknown after the apply: did not finish within ")
                && apply.output.contains("(what the run's --deadline of 16s left for verification, keeping 4s for undo)"),
            "\(apply.output)")
        #expect(journalLines(setup.state.path).map { $0["result"] as? String } == ["applied", "rolled_back"])
        #expect(try await liveConfig(setup.caddy) == before, "the change is undone")
    }

    /// `reconcile serve` owns SIGTERM: it does not hand it to the apply in flight (which
    /// would undo a repair only because the agent stops); the apply finishes, verified,
    /// and the agent exits 0. (When the apply took SIGTERM over, it rolled back and the
    /// agent never stopped.)
    @Test func sigtermToServeMidApplyLetsTheApplyFinishAndExitsZero() async throws {
        let setup = try await Self.setUp()
        defer { setup.caddy.stop() }
        let state = setup.state.path
        let agent = try await offPool {
            try ServeAgentProcess(
                [
                    "--repo", setup.repo.path, "--manifest", "manifests/production.yaml", "--journal", state + "/journal.jsonl",
                    "--state-dir", state + "/agent", "--interval", "3600",
                ], environment: ["XDG_STATE_HOME": state])
        }
        try await offPool {
            try waitUntil("the action to be applied") { !journalLines(state).isEmpty || !agent.process.process.isRunning }
        }
        kill(agent.process.pid, SIGTERM)
        try setup.upstream.openGate("verify")
        try await offPool {
            try waitUntil(timeout: .seconds(30), "the agent to exit after SIGTERM") { !agent.process.process.isRunning }
        }
        #expect(agent.process.process.exitStatus == 0, "\(agent.process.output)")
        #expect(journalLines(state).map { $0["result"] as? String } == ["applied"], "finished, not undone")
        #expect(
            try await liveValue(setup.caddy, "/config/apps/http/servers/srv0/routes/0/handle/0/routes/0/handle/0/routes/1/handle/0/root")
                == "\"\(setup.caddy.scratch.file("media2"))\"")
        let history = try String(contentsOfFile: state + "/agent/history.jsonl", encoding: .utf8)
        #expect(history.split(separator: "\n").count == 1, "the run in flight is recorded: \(history)")
        #expect(history.contains(#""exitCode":0"#) && history.contains(#""status":"applied""#), "\(history)")
    }

    /// Runs reconcile on a terminal (a pty made by script(1)), typing `input`.
    static func onTerminal(_ setup: Setup, input: String, extra: [String] = []) async throws -> CommandResult {
        let arguments = ["--repo", setup.repo.path, "--journal", setup.state.file("journal.jsonl")] + extra
        let command = ([TestPaths.reconcileBinary] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return try await offPool {
            try run("script", ["-qec", command, "/dev/null"], environment: ["NO_COLOR": "1"], stdin: input)
        }
    }

    @Test func onATerminalItAsksAndNoMeansNothingChanges() async throws {
        let setup = try await Self.setUp(held: false)
        defer { setup.caddy.stop() }
        let before = try await liveConfig(setup.caddy)
        let declined = try await Self.onTerminal(setup, input: "n\n")
        #expect(declined.stdout.contains("PATCH caddy route /media/* on rims.example.com root → \(setup.caddy.scratch.file("media2"))"))
        #expect(declined.stdout.contains("Apply 1 action? [y/N]"), "\(declined.stdout)")
        #expect(declined.stdout.contains("declined at the prompt"))
        #expect(declined.status == 2)
        #expect(try await liveConfig(setup.caddy) == before)

        let accepted = try await Self.onTerminal(setup, input: "y\n")
        #expect(accepted.stdout.contains("Apply 1 action? [y/N]"))
        #expect(accepted.status == 0, "\(accepted.stdout)")
        #expect(journalLines(setup.state.path).map { $0["result"] as? String } == ["applied"])
    }

    @Test func yesAppliesOnATerminalWithoutAsking() async throws {
        let setup = try await Self.setUp(held: false)
        defer { setup.caddy.stop() }
        let result = try await Self.onTerminal(setup, input: "", extra: ["--yes"])
        #expect(!result.stdout.contains("[y/N]"))
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("applied      PATCH caddy route /media/*"))
    }

    /// The test itself holds the apply lock (as another reconcile would) and starts an
    /// apply that waits for it; returns once that apply has the lock file open.
    static func startWaiting(_ setup: Setup, extra: [String]) async throws -> (apply: ManagedProcess, holder: Int32) {
        let lock = setup.state.file("reconcile/apply.lock")
        try FileManager.default.createDirectory(atPath: setup.state.file("reconcile"), withIntermediateDirectories: true)
        let holder = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(holder >= 0 && flock(holder, LOCK_EX) == 0)
        let pid = Array("\(getpid())\n".utf8)
        #expect(pid.withUnsafeBytes { pwrite(holder, $0.baseAddress, $0.count, 0) } == pid.count)
        let apply = try Self.startApply(setup, extra: extra)
        try await offPool {
            try waitUntil("the apply to wait for the lock") {
                let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(apply.pid)/fd")) ?? []
                return descriptors.contains {
                    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(apply.pid)/fd/\($0)")) == lock
                }
                    || !apply.process.isRunning
            }
        }
        return (apply, holder)
    }

    /// A Ctrl-C while waiting for another apply's lock ends the run at once, with nothing
    /// applied (it used to be noted, then ignored: the run waited out --lock-wait, then
    /// observed, and exited 2 when nothing was allowed). Found by exploratory review.
    @Test func aSignalWhileWaitingForTheLockEndsTheRunWithNothingApplied() async throws {
        let setup = try await Self.setUp(held: false)
        defer { setup.caddy.stop() }
        let before = try await liveConfig(setup.caddy)
        let (apply, holder) = try await Self.startWaiting(setup, extra: ["--lock-wait", "3600"])
        defer { close(holder) }
        kill(apply.pid, SIGINT)
        try await offPool { try waitUntil("the apply to end after SIGINT") { !apply.process.isRunning } }
        #expect(await apply.process.exitStatus() == 1, "\(apply.output)")
        #expect(apply.output.contains("interrupted by signal \(SIGINT) while waiting for the apply lock; nothing was applied"))
        #expect(journalLines(setup.state.path).isEmpty)
        #expect(try await liveConfig(setup.caddy) == before)
    }

    /// --lock-wait is waited only within --deadline (the watchdog stands down for an
    /// apply, so a run waited out a --lock-wait longer than its deadline). Found by
    /// exploratory review.
    @Test func theLockIsWaitedForOnlyWithinTheDeadline() async throws {
        let setup = try await Self.setUp(held: false)
        defer { setup.caddy.stop() }
        let (apply, holder) = try await Self.startWaiting(setup, extra: ["--lock-wait", "3600", "--deadline", "15"])
        defer { close(holder) }
        try await offPool { try waitUntil(timeout: .seconds(120), "the apply to give up") { !apply.process.isRunning } }
        #expect(await apply.process.exitStatus() == 1)
        #expect(
            apply.output.contains("another reconcile is applying (pid \(getpid())); stopped waiting at the run's --deadline of 15s"),
            "\(apply.output)")
        #expect(journalLines(setup.state.path).isEmpty)
    }
}
