import Foundation
import Synchronization
import TestSupport
import Testing

@testable import ReconcileKit

/// The subprocess runner the plugins share: it suspends instead of blocking a
/// cooperative thread, kills the child's whole process group at the timeout or on
/// cancellation, starts children with a clean signal state and no inherited
/// descriptors, and leaves no file behind.
@Suite struct SubprocessTests {
    static func run(
        _ executable: String, _ arguments: [String], stdin: String = "", timeout: Duration = .seconds(20)
    ) async throws -> Subprocess.Output {
        try await Subprocess.run(
            executable: executable, arguments: arguments, stdin: Data(stdin.utf8),
            environment: ProcessInfo.processInfo.environment, workingDirectory: "/", timeout: timeout
        ).launched()
    }

    @Test func stdinGoesInAndBothStreamsComeOut() async throws {
        let output = try await Self.run("/bin/sh", ["-c", "cat; echo oops >&2; exit 3"], stdin: "script text\n")
        #expect(output.status == 3)
        #expect(output.signal == nil)
        #expect(String(decoding: output.stdout, as: UTF8.self) == "script text\n")
        #expect(String(decoding: output.stderr, as: UTF8.self) == "oops\n")
        #expect(!output.timedOut)
    }

    /// Six runs end only when a task on the same (two-thread) pool, started once all six
    /// run, opens their gate: a wait that held a cooperative thread would leave that task
    /// no thread, and the runs would give up after a minute. No clock is read.
    @Test func manyRunsWaitWithoutHoldingTheCooperativeThreads() async throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-gate")
        let gate = scratch.file("gate")
        let waitForGate = "touch \(scratch.path)/started.$$; for i in $(seq 1200); do [ -e \(gate) ] && exit 0; sleep 0.05; done; exit 1"
        let ticks = Counter()
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<6 {
                group.addTask { try await Self.run("/bin/sh", ["-c", waitForGate], timeout: .seconds(120)).status }
            }
            group.addTask {
                while try FileManager.default.contentsOfDirectory(atPath: scratch.path).count < 6 {
                    try await Task.sleep(for: .milliseconds(20))
                }
                for _ in 0..<10 {
                    try await Task.sleep(for: .milliseconds(20))
                    ticks.increment()
                }
                try Data().write(to: URL(fileURLWithPath: gate))
                return 0
            }
            for try await status in group {
                #expect(status == 0, "a run ended without its gate opening")
            }
        }
        #expect(ticks.value == 10)
    }

    /// SIGKILL ends a `sleep 30` only when the runner sends it: no clock needed.
    @Test func theTimeoutKillsTheProcess() async throws {
        let output = try await Self.run("/bin/sleep", ["30"], timeout: .milliseconds(300))
        #expect(output.timedOut)
        #expect(output.status == 128 + 9)
        #expect(output.signal == 9)
    }

    /// Cancelled once the process runs (not after a guessed delay, which a loaded machine
    /// can outlast before the process starts): killed, and not by the timeout.
    @Test func cancellingTheTaskKillsTheProcess() async throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-cancel")
        let started = scratch.file("started")
        let task = Task { try await Self.run("/bin/sh", ["-c", "touch \(started); exec sleep 30"], timeout: .seconds(120)) }
        for _ in 0..<3000 where !FileManager.default.fileExists(atPath: started) { try await Task.sleep(for: .milliseconds(20)) }
        task.cancel()
        let output = try await task.value
        #expect(output.status == 128 + 9)
        #expect(!output.timedOut)
    }

    @Test func aLargeOutputOnBothStreamsDoesNotDeadlock() async throws {
        let output = try await Self.run(
            TestPaths.python,
            ["-c", "import sys; sys.stdout.write('o' * 3000000); sys.stderr.write('e' * 3000000)"])
        #expect(output.status == 0)
        #expect(output.stdout.count == 3_000_000)
        #expect(output.stderr.count == 3_000_000)
    }

    @Test func theStdinFileIsGoneBeforeTheProcessEnds() async throws {
        let output = try await Self.run("/bin/sh", ["-c", "ls -l /proc/self/fd/0"], stdin: "x")
        let text = String(decoding: output.stdout, as: UTF8.self)
        #expect(text.contains("reconcile-stdin-"))
        #expect(text.contains("(deleted)"))
    }

    @Test func anExecutableThatCannotStartIsReportedNotThrown() async throws {
        let output = await Subprocess.run(
            executable: "/nonexistent/python", environment: [:], workingDirectory: "/", timeout: .seconds(5))
        let failure = try #require(output.launchFailure)
        #expect(failure.description.hasPrefix("cannot start /nonexistent/python: "), "\(failure)")
        #expect(!failure.reason.isEmpty)
        #expect(output.status == -1)
        #expect(!output.timedOut)
        #expect(throws: Subprocess.LaunchFailure.self) { try output.launched() }
    }

    @Test func eachStreamIsCappedAtTheOutputLimit() async throws {
        let output = try await Subprocess.run(
            executable: "/bin/sh", arguments: ["-c", "head -c 100000 /dev/zero; head -c 50 /dev/zero >&2"],
            environment: ProcessInfo.processInfo.environment, workingDirectory: "/", timeout: .seconds(20),
            outputLimit: 1000
        ).launched()
        #expect(output.status == 0)
        #expect(output.stdout.count == 1000)
        #expect(output.stderr.count == 50)
    }

    @Test func theWorkingDirectoryAndEnvironmentAreExactlyThoseGiven() async throws {
        let output = try await Subprocess.run(
            executable: "/bin/sh", arguments: ["-c", "pwd; echo \"$ONLY\"; echo \"${HOME-unset}\""],
            environment: ["ONLY": "this"], workingDirectory: "/tmp", timeout: .seconds(20)
        ).launched()
        let lines = String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines == ["/tmp", "this", "unset"])
    }
}

extension SubprocessTests {
    /// Whether `pid` is gone: no such process, or a zombie nobody reaps yet.
    static func isGone(_ pid: Int32) async throws -> Bool {
        func gone() -> Bool {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return true }
            return status.contains("State:\tZ")
        }
        for _ in 0..<100 where !gone() { try await Task.sleep(for: .milliseconds(50)) }
        return gone()
    }

    /// A shell that starts a grandchild blocking SIGTERM, prints its pid, then waits.
    static let grandchild = """
        \(TestPaths.python) -c 'import signal, os, sys, time
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        print(os.getpid(), flush=True)
        time.sleep(300)' &
        wait
        """

    @Test func theChildStartsWithNoBlockedOrIgnoredSignalAndInItsOwnGroup() async throws {
        let output = try await Self.run(
            "/bin/sh", ["-c", "grep -E '^(SigBlk|SigIgn)' /proc/self/status; cut -d' ' -f5 /proc/$$/stat; echo $$"])
        let lines = String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        #expect(lines.count == 4, "\(lines)")
        // Signals 1-31 and the real-time ones; 32 and 33 are glibc's own (threads
        // cancellation, set*id), which no program can set or see.
        let glibcReserved: UInt64 = 0x1_8000_0000
        func signals(_ line: String?) -> UInt64? {
            line?.split(separator: "\t").last.flatMap { UInt64($0, radix: 16) }.map { $0 & ~glibcReserved }
        }
        #expect(signals(lines.first) == 0, "\(lines)")
        #expect(signals(lines.dropFirst().first) == 0, "\(lines)")
        // Its own process group: the group id is its pid.
        #expect(lines.dropFirst(2).first == lines.last)
        #expect(lines.last != String(getpgrp()))
    }

    @Test func onlyTheStandardStreamsAreInherited() async throws {
        let output = try await Self.run("/bin/sh", ["-c", "ls /proc/self/fd"])
        // The shell's own ls has 0, 1, 2 and the descriptor it reads the directory with.
        let fds = String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
        #expect(fds.filter { $0 > 3 }.isEmpty, "\(fds)")
    }

    @Test func aGrandchildThatBlocksSIGTERMIsKilledWithItsGroupAtTheDeadline() async throws {
        let output = try await Self.run("/bin/sh", ["-c", Self.grandchild], timeout: .seconds(2))
        #expect(output.timedOut)
        let pid = try #require(Int32(String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await Self.isGone(pid), "grandchild \(pid) survived")
    }

    @Test func whatAChildLeavesRunningInItsGroupDoesNotOutliveIt() async throws {
        let output = try await Self.run("/bin/sh", ["-c", "sleep 300 >/dev/null 2>&1 & echo $!"])
        #expect(output.status == 0)
        #expect(!output.timedOut)
        let pid = try #require(Int32(String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await Self.isGone(pid), "\(pid) outlived its parent")
    }

    /// A run that waited for the daemon's end of stdout would meet its timeout instead.
    @Test func aDaemonInItsOwnSessionHoldingStdoutDoesNotKeepTheRunWaiting() async throws {
        let output = try await Self.run("/bin/sh", ["-c", "setsid sleep 300 & echo $!"], timeout: .seconds(60))
        let daemon = try #require(Int32(String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .newlines)))
        kill(daemon, SIGKILL)
        #expect(output.status == 0)
        #expect(!output.timedOut)
    }

    @Test func cancellingTheTaskKillsTheWholeGroup() async throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-cancel")
        let pidFile = scratch.file("pid")
        let task = Task {
            try await Self.run("/bin/sh", ["-c", "sleep 300 & echo $! > \(pidFile); wait"], timeout: .seconds(60))
        }
        var pid: Int32?
        for _ in 0..<100 where pid == nil {
            try await Task.sleep(for: .milliseconds(50))
            pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        task.cancel()
        let output = try await task.value
        #expect(output.signal == SIGKILL)
        #expect(try await Self.isGone(try #require(pid)))
    }
}

/// A counter shared by concurrent tasks.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
