import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command to completion with posix_spawn and waitpid, for commands that leave a
/// daemon behind (`podman run -d` starts conmon, which outlives the command).
///
/// Why not Foundation's `Process` (TestSupport's `run`): on Linux it learns that a child
/// exited when the last copy of a socket it hands to the child is closed; conmon
/// inherits that socket and keeps it for the container's lifetime, so
/// `waitUntilExit()` would block until the container stops. Here the child gets
/// stdin from /dev/null, stdout/stderr into files, every other descriptor closed, a
/// clean signal mask (Swift's threads block most signals), and is reaped by its pid.
/// With `DOCKER_TEST_TRACE` set, each command's duration goes to stderr.
func spawnAndWait(_ executable: String, _ arguments: [String]) throws -> SpawnResult {
    let scratch = try TemporaryDirectory(prefix: "reconcile-spawn")
    let outPath = scratch.file("stdout")
    let errPath = scratch.file("stderr")
    let out = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    let err = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard out >= 0, err >= 0 else { throw TestSupportError("cannot open output files: errno \(errno)") }
    defer {
        close(out)
        close(err)
    }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, out, 1)
    posix_spawn_file_actions_adddup2(&actions, err, 2)
    closeInheritedDescriptors(&actions)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaults = sigset_t()
    sigfillset(&defaults)
    sigdelset(&defaults, SIGKILL)
    sigdelset(&defaults, SIGSTOP)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let path = resolveExecutable(executable)
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
    guard spawned == 0 else { throw TestSupportError("posix_spawn \(path) failed: \(String(cString: strerror(spawned)))") }

    var status: Int32 = 0
    let started = ContinuousClock.now
    defer {
        if ProcessInfo.processInfo.environment["DOCKER_TEST_TRACE"] != nil {
            FileHandle.standardError.write(
                Data("TRACE \(ContinuousClock.now - started) \(arguments.suffix(6).joined(separator: " "))\n".utf8))
        }
    }
    while waitpid(pid, &status, 0) == -1 {
        guard errno == EINTR else { throw TestSupportError("waitpid \(pid) failed: errno \(errno)") }
    }
    let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return SpawnResult(
        status: exitCode,
        stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
}

/// How a spawned command ended and what it printed.
struct SpawnResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Every descriptor from 3 up is closed in the child: glibc's closefrom action when the
/// C library has it (2.34+; not visible to Swift's Glibc module, hence dlsym), else one
/// close per descriptor open now (those opened later are close-on-exec in practice).
private func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        if closeFrom(&actions, 3) == 0 { return }
    }
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for fd in open.compactMap({ Int32($0) }) where fd >= 3 {
        posix_spawn_file_actions_addclose(&actions, fd)
    }
}
