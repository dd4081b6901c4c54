import Foundation
import ReconcileKit

/// The outcome of running a command to completion.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `executable` (looked up on PATH) with `arguments` to completion with reconcile's
/// own runner (``Subprocess``) and captures both streams. `environment` entries are added
/// to (or, with a nil value, removed from) the inherited environment. Blocks this thread.
///
/// The runner reaps the command by its pid and gives it no descriptor but its standard
/// streams, so a daemon the command leaves behind (`podman run -d` starts conmon in its
/// own session) cannot keep the call waiting.
@discardableResult
public func run(
    _ executable: String, _ arguments: [String] = [], environment: [String: String?] = [:],
    workingDirectory: String? = nil, stdin: String? = nil
) throws -> CommandResult {
    let output = Subprocess.runBlocking(
        executable: resolveExecutable(executable), arguments: arguments, stdin: Data((stdin ?? "").utf8),
        environment: mergedEnvironment(environment),
        workingDirectory: workingDirectory ?? FileManager.default.currentDirectoryPath, timeout: .seconds(600))
    if let failure = output.launchFailure { throw TestSupportError(failure.description) }
    return CommandResult(
        status: output.status, stdout: String(decoding: output.stdout, as: UTF8.self),
        stderr: String(decoding: output.stderr, as: UTF8.self))
}

/// Runs a command that must succeed; throws with its stderr otherwise.
@discardableResult
public func runChecked(
    _ executable: String, _ arguments: [String] = [], environment: [String: String?] = [:],
    workingDirectory: String? = nil
) throws -> String {
    let result = try run(executable, arguments, environment: environment, workingDirectory: workingDirectory)
    guard result.status == 0 else {
        throw TestSupportError(
            "\(executable) \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
    }
    return result.stdout
}

/// A long-running process a test started (a server), with reconcile's own runner
/// (``BackgroundProcess``), its output in a log file of its own, stopped by its pid when
/// the test is done (SIGTERM, then SIGKILL to its group after 5 s).
public final class ManagedProcess: Sendable {
    public let process: BackgroundProcess
    public let logPath: String
    private let scratch: TemporaryDirectory
    private let ports: [ReservedPort]

    /// - Parameter ports: ports held for the server (``ReservedPort/init(listening:forAServer:)``)
    ///   until it is stopped and this object is gone, so no one else listens there meanwhile.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String?] = [:],
        workingDirectory: String? = nil, holding ports: [ReservedPort] = []
    ) throws {
        self.ports = ports
        scratch = try TemporaryDirectory(prefix: "reconcile-proc")
        logPath = scratch.file("output.log")
        do {
            process = try BackgroundProcess(
                executable: resolveExecutable(executable), arguments: arguments,
                environment: mergedEnvironment(environment),
                workingDirectory: workingDirectory ?? FileManager.default.currentDirectoryPath, outputFile: logPath)
        } catch {
            throw TestSupportError(error.description)
        }
    }

    public var pid: Int32 { process.pid }

    /// What the process printed so far (stdout and stderr interleaved).
    public var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Polls `ready` (as `waitUntil` does) until it holds while the process runs; throws
    /// with what the process printed when it exits first or `timeout` passes.
    public func waitUntilReady(_ what: String, timeout: Duration = .seconds(60), _ ready: () -> Bool) throws {
        var isReady = false
        try? waitUntil(timeout: timeout, what) {
            isReady = ready()
            return isReady || !process.isRunning
        }
        guard isReady, process.isRunning else {
            throw TestSupportError("\(what): \(process.isRunning ? "not ready after \(timeout)" : "exited"): \(output)")
        }
    }

    public func stop() { process.stop() }

    deinit { stop() }
}

/// Finds `name` on PATH unless it is already a path.
public func resolveExecutable(_ name: String) -> String {
    if name.contains("/") { return name }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return name
}

/// Where the commands a test runs keep their state unless the test names its own
/// `XDG_STATE_HOME`: this test process's directory. Never the host's (as root,
/// `/var/lib/reconcile`, whose history an agent compares with and whose `apply.lock` is the
/// host's one apply lock), and never another test process's, whose applies would hold it.
private let testProcessStateHome = NSTemporaryDirectory() + "reconcile-tests-state-\(getpid())"

private func mergedEnvironment(_ changes: [String: String?]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["XDG_STATE_HOME"] = testProcessStateHome
    for (key, value) in changes {
        environment[key] = value
    }
    return environment
}
