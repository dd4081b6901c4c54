import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The example stack of examples/stack, brought up for real by `scripts/demo up` in a
/// temporary directory: Podman's Docker API on a private store, the backend container
/// (Gunicorn + Django, media_data volume), Caddy on the host and a committed config
/// repository. One stack per test process: the first test that needs it brings it up,
/// `tearDown()` (the suite's last test) or, failing that, an exit handler takes it down.
final class DemoStack: Sendable {
    /// The connection details `scripts/demo up` wrote to stack.env.
    struct Details: Sendable {
        let values: [String: String]

        subscript(_ key: String) -> String {
            get throws { try #require(values[key], "stack.env has no \(key): \(values.keys.sorted())") }
        }

        /// The `--var` arguments of RECONCILE_VARS, one array element each.
        var reconcileVars: [String] {
            (values["RECONCILE_VARS"] ?? "").split(separator: " ").map(String.init)
        }
    }

    static let shared = DemoStack()

    static let script = "\(TestPaths.repositoryRoot)/scripts/demo"

    private struct State {
        var directory: String?
        var details: Details?
    }

    private let state = Mutex(State())

    /// The running stack's details; brings it up first when it is not up.
    func details() throws -> Details {
        try state.withLock { state in
            if let details = state.details { return details }
            // Removed by `down`, not by a deinit.
            let directory = try TemporaryDirectory.make(prefix: "reconcile-stack")
            // Registered before `up`, so a half-started stack is taken down too.
            ExitCleanup.register(directory)
            state.directory = directory
            let up = try Self.demo(["up"], directory: directory)
            guard up.status == 0 else {
                _ = try? Self.demo(["down"], directory: directory)
                state.directory = nil
                ExitCleanup.register(nil)
                throw TestSupportError("scripts/demo up exited \(up.status):\n\(up.stdout)\(up.stderr)")
            }
            let details = Details(values: try Self.parse(envFile: "\(directory)/stack.env"))
            state.details = details
            return details
        }
    }

    /// `scripts/demo break WHAT`.
    func inject(_ what: String) throws { try demoOnTheRunningStack(["break", what], mustSucceed: true) }

    /// `scripts/demo restore`.
    func restore() throws { try demoOnTheRunningStack(["restore"], mustSucceed: true) }

    /// `scripts/demo serve` with the built binary: the agent on the running stack, its
    /// first run's /healthz printed on stderr.
    func serve() throws -> CommandResult {
        try demoOnTheRunningStack(["serve"], environment: ["RECONCILE": TestPaths.reconcileBinary])
    }

    @discardableResult
    private func demoOnTheRunningStack(
        _ arguments: [String], environment: [String: String] = [:], mustSucceed: Bool = false
    ) throws -> CommandResult {
        let directory = try #require(state.withLock { $0.directory }, "the stack is not up")
        let result = try Self.demo(arguments, directory: directory, environment: environment)
        guard !mustSucceed || result.status == 0 else {
            throw TestSupportError("scripts/demo \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result
    }

    /// `scripts/demo down`, when the stack is up; returns what it stopped (nil if it
    /// was not up).
    @discardableResult
    func tearDown() throws -> (directory: String, details: Details)? {
        try state.withLock { state in
            guard let directory = state.directory else { return nil }
            let details = state.details
            let result = try Self.demo(["down"], directory: directory)
            state = State()
            ExitCleanup.register(nil)
            guard result.status == 0 else {
                throw TestSupportError("scripts/demo down exited \(result.status): \(result.stderr)")
            }
            return details.map { (directory, $0) }
        }
    }

    // MARK: Running scripts/demo

    /// Runs scripts/demo with RECONCILE_DEMO_DIR=`directory`, in a session of its own
    /// (`setsid --wait`): the runner kills what a command leaves in its process group
    /// when it exits, and the Caddy and Podman that `up` starts must outlive it until
    /// `down` stops them by pid.
    static func demo(_ arguments: [String], directory: String, environment: [String: String] = [:]) throws -> CommandResult {
        try run(
            "setsid", ["--wait", script] + arguments,
            environment: environment.merging(["RECONCILE_DEMO_DIR": directory, "NO_COLOR": "1"]) { $1 })
    }

    /// KEY=VALUE lines, values optionally in double quotes; comments skipped.
    static func parse(envFile path: String) throws -> [String: String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...]
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            values[String(line[..<equals])] = String(value)
        }
        return values
    }
}

/// The fallback teardown: when the test process exits with the stack still up (a test
/// filter that skipped the last test, a failed expectation thrown past it), run
/// `scripts/demo down` from an exit handler.
enum ExitCleanup {
    private static let directory = Mutex<String?>(nil)
    private static let installed = Mutex(false)

    static func register(_ path: String?) {
        directory.withLock { $0 = path }
        installed.withLock { installed in
            guard !installed else { return }
            installed = true
            atexit { ExitCleanup.runDown() }
        }
    }

    private static func runDown() {
        guard let path = directory.withLock({ $0 }) else { return }
        let command = "RECONCILE_DEMO_DIR='\(path)' '\(DemoStack.script)' down >/dev/null 2>&1"
        _ = system(command)
    }
}

// MARK: Running reconcile against the stack

/// The JSON report (`--format json`), as far as these tests read it.
struct Report: Decodable {
    struct Summary: Decodable, Equatable {
        let ok: Int
        let drift: Int
        let unknown: Int
    }

    struct Fix: Decodable {
        let summary: String
        let snippet: String?
        let language: String?
    }

    struct Finding: Decodable {
        let checker: String
        let resource: String
        let status: String
        let severity: String?
        let expected: String?
        let observed: String?
        let message: String
        let fix: Fix?

        var key: String { "\(checker) \(resource)" }
    }

    struct Action: Decodable {
        let action: String
        let status: String
    }

    let version: Int
    let mode: String
    let summary: Summary
    let findings: [Finding]
    let actions: [Action]

    /// "status action" of every action.
    var actionLines: [String] { actions.map { "\($0.status) \($0.action)" } }

    /// "checker resource" of every finding with `status`, sorted.
    func keys(_ status: String) -> [String] {
        findings.filter { $0.status == status }.map(\.key).sorted()
    }

    /// The one finding of `checker` about `resource`.
    func finding(_ checker: String, _ resource: String) throws -> Finding {
        try #require(
            findings.first { $0.checker == checker && $0.resource == resource },
            "no \(checker) finding about \(resource) in \(findings.map(\.key))")
    }
}

/// The outcome of one `reconcile` (a dry run unless asked) against the stack.
struct StackRun {
    let result: CommandResult
    var status: Int32 { result.status }
    var output: String { result.stdout + result.stderr }

    func report() throws -> Report {
        do {
            return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        } catch {
            Issue.record("not a JSON report (\(error)): \(output)")
            throw error
        }
    }
}

/// Runs the built `reconcile --dry-run --repo CONFIG_REPO RECONCILE_VARS…` against the
/// stack, with the stack's health token unless `token` says otherwise; given a `repo`,
/// `--repo REPO` alone instead (a manifest that names the stack's values itself).
func reconcileStack(
    _ stack: DemoStack.Details, _ extra: [String] = ["--format", "json"], token: String? = nil, dryRun: Bool = true,
    repo: String? = nil
) async throws -> StackRun {
    let source = try repo.map { ["--repo", $0] } ?? ["--repo", try stack["CONFIG_REPO"]] + stack.reconcileVars
    let arguments = (dryRun ? ["--dry-run"] : []) + source + extra
    let environment: [String: String?] = [
        "RECONCILE_HEALTH_TOKEN": try token ?? stack["RECONCILE_HEALTH_TOKEN"],
        "NO_COLOR": nil,
        "XDG_CACHE_HOME": NSTemporaryDirectory() + "reconcile-stack-cache",
        "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
    ]
    let result = try await offPool { try run(TestPaths.reconcileBinary, arguments, environment: environment) }
    return StackRun(result: result)
}
