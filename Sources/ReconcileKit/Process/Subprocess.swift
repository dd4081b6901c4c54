import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one short-lived external program to completion, under a deadline: the process
/// runner of reconcile's plugins (`caddy adapt`, a project's Python), and of the tests'
/// commands that start daemons (`podman run -d`). Programs left running (the tests'
/// servers) start the same way through ``BackgroundProcess``.
///
/// Why it exists: plugins run on Swift's cooperative pool, which has as many threads as
/// cores (two on small hosts), so blocking on a child would stall half of reconcile.
/// Here the caller suspends, and everything that blocks runs on one dedicated thread
/// per run:
///
/// - the child is started with `posix_spawn` (``ChildSpawn``) in its own process group,
///   with an empty blocked-signal mask and every signal at its default disposition
///   (Swift's threads block most signals and a child would inherit that, so a
///   grandchild could survive SIGTERM), stdin from an unlinked temporary file (nothing
///   left on disk, no SIGPIPE for reconcile), and no descriptor of reconcile's but its
///   three standard streams;
/// - stdout and stderr are read with `poll`, so a large output cannot fill a pipe and
///   deadlock, and each is capped in memory at `outputLimit` bytes (the first bytes are
///   kept: a traceback's start, caddy's error line);
/// - at the timeout, when the calling task is cancelled, or when reconcile is told to
///   stop (``ChildProcessGroups``), the child's whole process group gets SIGKILL; when
///   the child exits, whatever it left running in its group is killed too, so nothing
///   it started outlives the run. The child is reaped by its pid (`waitpid`), so a
///   descriptor a grandchild keeps open cannot keep the run waiting: reading stops a
///   second after the exit.
///
/// Why not swift-subprocess (1.0.2, evaluated for issue 10): its output collection
/// throws `outputLimitExceeded` instead of keeping the capped prefix, it reads the
/// pipes to end of file (a daemon a child leaves behind, in its own session, holding
/// stdout would keep the run waiting past the exit), and its cancellation teardown
/// signals the pid, not the group, so the group kill above would still be ours; it
/// would also add two packages (swift-subprocess, swift-system) to every build.
///
/// It never throws: a program that could not be started is reported in the result
/// (``Output/launchFailure``), next to the exit status, both streams and whether the
/// deadline stopped it.
public enum Subprocess {
    /// What a run left behind.
    public struct Output: Sendable {
        /// The exit status; 128 + the signal number when a signal ended the process (as a
        /// shell reports it), so a process killed at the timeout has 137. -1 when it
        /// never started.
        public var status: Int32
        /// The signal that ended the process, nil when it exited (or never started).
        public var signal: Int32?
        /// What it wrote, at most `outputLimit` bytes of each stream.
        public var stdout: Data
        public var stderr: Data
        /// True when the deadline passed first and the process was killed.
        public var timedOut: Bool
        /// Why the program did not start; nil when it ran.
        public var launchFailure: LaunchFailure?

        public init(
            status: Int32, signal: Int32? = nil, stdout: Data = Data(), stderr: Data = Data(), timedOut: Bool = false,
            launchFailure: LaunchFailure? = nil
        ) {
            self.status = status
            self.signal = signal
            self.stdout = stdout
            self.stderr = stderr
            self.timedOut = timedOut
            self.launchFailure = launchFailure
        }

        /// This output, or its launch failure thrown, for callers that treat a program
        /// that cannot start as an error.
        public func launched() throws(LaunchFailure) -> Output {
            if let launchFailure { throw launchFailure }
            return self
        }
    }

    /// Why a program did not start.
    public struct LaunchFailure: Error, Sendable, CustomStringConvertible {
        /// What went wrong, without the program's name ("No such file or directory",
        /// "cannot create a temporary file: errno 24").
        public var reason: String
        /// The whole message: "cannot start /usr/bin/python3: " + the reason when the
        /// program could not be executed, the reason alone when its stdin could not be
        /// prepared.
        public var description: String

        public init(reason: String, description: String) {
            self.reason = reason
            self.description = description
        }

        init(_ message: String) {
            self.init(reason: message, description: message)
        }
    }

    /// Runs `executable` (a path, not looked up on PATH) with `arguments`, `stdin` as its
    /// standard input, exactly `environment` as its environment, in `workingDirectory`;
    /// kills its process group when it outlives `timeout` or the calling task is
    /// cancelled. Returns when it has exited and its output has been read.
    public static func run(
        executable: String, arguments: [String] = [], stdin: Data = Data(), environment: [String: String],
        workingDirectory: String, timeout: Duration, outputLimit: Int = 16 << 20
    ) async -> Output {
        let child: RunningChild
        do {
            child = try RunningChild(
                ChildSpawn(
                    executable: executable, arguments: arguments, environment: environment,
                    workingDirectory: workingDirectory, stdin: stdin),
                timeout: timeout, outputLimit: outputLimit)
        } catch {
            return Output(status: -1, launchFailure: error)
        }
        return await withTaskCancellationHandler {
            await child.output()
        } onCancel: {
            child.kill()
        }
    }

    /// The same run for code that has a thread of its own to block (a test's exit
    /// handler, a helper called off the cooperative pool): returns when the child has
    /// exited and its output has been read. Never call it on the cooperative pool.
    public static func runBlocking(
        executable: String, arguments: [String] = [], stdin: Data = Data(), environment: [String: String],
        workingDirectory: String, timeout: Duration, outputLimit: Int = 16 << 20
    ) -> Output {
        do {
            return try RunningChild(
                ChildSpawn(
                    executable: executable, arguments: arguments, environment: environment,
                    workingDirectory: workingDirectory, stdin: stdin),
                timeout: timeout, outputLimit: outputLimit
            ).waitBlocking()
        } catch {
            return Output(status: -1, launchFailure: error)
        }
    }
}
