import Foundation
import ReconcileKit
import TestSupport

/// Runs a command to completion with reconcile's own process runner (`Subprocess`), for
/// commands that leave a daemon behind (`podman run -d` starts conmon, which outlives the
/// command in its own session).
///
/// Why not Foundation's `Process` (TestSupport's `run`): on Linux it learns that a child
/// exited when the last copy of a socket it hands to the child is closed; conmon
/// inherits that socket and keeps it for the container's lifetime, so `waitUntilExit()`
/// would block until the container stops. `Subprocess` reaps the command by its pid and
/// gives it no descriptor but its standard streams.
public func spawnAndWait(_ executable: String, _ arguments: [String]) throws -> SpawnResult {
    let output = Subprocess.runBlocking(
        executable: resolveExecutable(executable), arguments: arguments,
        environment: ProcessInfo.processInfo.environment, workingDirectory: FileManager.default.currentDirectoryPath,
        timeout: .seconds(600))
    if let failure = output.launchFailure { throw TestSupportError(failure.description) }
    return SpawnResult(
        status: output.status, stdout: String(decoding: output.stdout, as: UTF8.self),
        stderr: String(decoding: output.stderr, as: UTF8.self))
}

/// How a spawned command ended and what it printed.
public struct SpawnResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}
