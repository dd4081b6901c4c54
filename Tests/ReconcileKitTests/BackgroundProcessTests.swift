import Foundation
import TestSupport
import Testing

@testable import ReconcileKit

/// The runner for programs left running (the tests' servers): the same clean start as
/// `Subprocess`, output appended to a file, stopped by pid, and nothing it started
/// outlives it.
@Suite struct BackgroundProcessTests {
    static func start(_ script: String, in scratch: TemporaryDirectory) throws -> BackgroundProcess {
        try BackgroundProcess(
            executable: "/bin/sh", arguments: ["-c", script], environment: ProcessInfo.processInfo.environment,
            workingDirectory: scratch.path, outputFile: scratch.file("output.log"))
    }

    /// Polls `file` until it has at least `lines` lines; returns them.
    static func lines(of file: String, atLeast lines: Int) async throws -> [String] {
        for _ in 0..<200 {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            let found = text.split(separator: "\n").map(String.init)
            if found.count >= lines { return found }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestSupportError("\(file) never had \(lines) lines")
    }

    @Test func bothStreamsGoToTheFileAndStopEndsItWithSIGTERM() async throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-background")
        let process = try Self.start(
            "trap 'echo stopping; exit 7' TERM; echo ready; echo warning >&2; while :; do sleep 0.1; done", in: scratch)
        #expect(try await Self.lines(of: scratch.file("output.log"), atLeast: 2) == ["ready", "warning"])
        #expect(process.isRunning)
        #expect(process.exitStatus == nil)
        #expect(process.stop() == 7)
        #expect(!process.isRunning)
        #expect(process.exitStatus == 7)
        #expect(try await Self.lines(of: scratch.file("output.log"), atLeast: 3).last == "stopping")
    }

    @Test func aProcessIgnoringSIGTERMIsKilledWithItsWholeGroupAfterTheGrace() async throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-background")
        let process = try Self.start("trap '' TERM; sleep 300 & echo $!; wait", in: scratch)
        let grandchild = try #require(Int32(try await Self.lines(of: scratch.file("output.log"), atLeast: 1)[0]))
        #expect(process.stop(grace: .milliseconds(300)) == 128 + SIGKILL)
        #expect(try await SubprocessTests.isGone(grandchild), "grandchild \(grandchild) survived")
    }

    @Test func anExitOfItsOwnIsSeenAndWhatItLeftInItsGroupDoesNotOutliveIt() async throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-background")
        let process = try Self.start("sleep 300 >/dev/null 2>&1 & echo $!; sleep 0.2; exit 4", in: scratch)
        #expect(await process.exitStatus() == 4)
        let grandchild = try #require(Int32(try await Self.lines(of: scratch.file("output.log"), atLeast: 1)[0]))
        #expect(try await SubprocessTests.isGone(grandchild), "\(grandchild) outlived its parent")
        #expect(process.waitBlocking() == 4)
    }

    @Test func aProgramThatCannotStartThrowsItsReason() throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-background")
        #expect(throws: Subprocess.LaunchFailure.self) {
            try BackgroundProcess(
                executable: scratch.file("missing"), arguments: [], environment: [:], workingDirectory: scratch.path,
                outputFile: scratch.file("output.log"))
        }
    }
}
