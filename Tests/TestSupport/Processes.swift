import Foundation

/// The outcome of running a command to completion.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `executable` with `arguments` to completion and captures both streams.
/// `environment` entries are added to (or, with a nil value, removed from) the
/// inherited environment.
@discardableResult
public func run(
    _ executable: String, _ arguments: [String] = [], environment: [String: String?] = [:],
    workingDirectory: String? = nil, stdin: String? = nil
) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: resolveExecutable(executable))
    process.arguments = arguments
    process.environment = mergedEnvironment(environment)
    if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
    let scratch = try TemporaryDirectory(prefix: "reconcile-run")
    let outPath = scratch.file("stdout")
    let errPath = scratch.file("stderr")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return CommandResult(
        status: process.terminationStatus,
        stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
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

/// A long-running process a test started (a server), stopped by its pid when the test
/// is done: `stop()` sends SIGTERM, then SIGKILL after a grace period.
public final class ManagedProcess: @unchecked Sendable {
    public let process: Process
    public let logPath: String
    private let scratch: TemporaryDirectory

    public init(
        _ executable: String, _ arguments: [String], environment: [String: String?] = [:],
        workingDirectory: String? = nil
    ) throws {
        scratch = try TemporaryDirectory(prefix: "reconcile-proc")
        logPath = scratch.file("output.log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: resolveExecutable(executable))
        process.arguments = arguments
        process.environment = mergedEnvironment(environment)
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        // A child inherits the spawning thread's signal mask, and Swift concurrency
        // threads block nearly all signals: the server would ignore stop()'s SIGTERM.
        // Clear the mask around the spawn, then restore it.
        var unblocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&unblocked)
        pthread_sigmask(SIG_SETMASK, &unblocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
        try log.close()
    }

    public var pid: Int32 { process.processIdentifier }

    /// What the process printed so far (stdout and stderr interleaved).
    public var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while process.isRunning && clock.now < deadline { usleep(10_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

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

private func mergedEnvironment(_ changes: [String: String?]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    for (key, value) in changes {
        environment[key] = value
    }
    return environment
}
