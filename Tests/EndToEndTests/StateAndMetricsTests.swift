import Foundation
import Synchronization
import TestSupport
import Testing

/// `--state-dir`, `--format prometheus` and `--metrics-file` on the built binary: every
/// run is remembered, the metrics pass the real promtool, and the textfile is replaced
/// atomically so a collector reading at any moment sees a whole exposition.
@Suite struct StateAndMetricsTests {
    @Test func everyRunIsRememberedInTheStateDirectory() async throws {
        let (repo, server, sha) = try await RunCommandTests.setUp(Manifests.drifting)
        let state = try TemporaryDirectory(prefix: "reconcile-state")
        let arguments = RunCommandTests.runArguments(repo, server, ["--state-dir", state.file("s"), "--format", "json"])
        let first = try await reconcile(arguments)
        #expect(first.status == 2, "\(first.allOutput)")
        let second = try await reconcile(arguments)
        #expect(second.status == 2)
        let lines = try String(contentsOfFile: state.file("s/history.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let last = try String(contentsOfFile: state.file("s/last-report.json"), encoding: .utf8)
        #expect(last == second.stdout)
        #expect(last.contains(sha))
    }

    @Test func prometheusFormatPassesPromtool() async throws {
        let (repo, server, sha) = try await RunCommandTests.setUp(Manifests.drifting)
        let result = try await reconcile(RunCommandTests.runArguments(repo, server, ["--format", "prometheus"]))
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(result.stdout.contains(#"reconcile_findings{checker="health",resource="api",status="drift"} 1"#))
        #expect(result.stdout.contains("reconcile_status 2\n"))
        #expect(result.stdout.contains(#"reconcile_source_info{repo="\#(repo.path)",ref="HEAD",commit="\#(sha)"} 1"#))
        #expect(result.stdout.contains(#"reconcile_check_duration_seconds{checker="health"} "#))
        let check = try await offPool { try run("promtool", ["check", "metrics"], stdin: result.stdout) }
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func aBadManifestStillWritesMetricsWithStatusOne() async throws {
        let (repo, server, _) = try await RunCommandTests.setUp("apiVersion: reconcile/v1\nkind: Environment\nhealht: []\n")
        let directory = try TemporaryDirectory(prefix: "reconcile-metrics")
        let metrics = directory.file("reconcile.prom")
        let result = try await reconcile(
            RunCommandTests.runArguments(repo, server, ["--metrics-file", metrics, "--state-dir", directory.file("state")]))
        #expect(result.status == 1)
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("reconcile_status 1\n"))
        #expect(!text.contains("reconcile_last_success_timestamp_seconds"))
    }

    @Test func theMetricsFileIsReplacedAtomicallyUnderConcurrentReaders() async throws {
        let (repo, server, _) = try await RunCommandTests.setUp(Manifests.drifting)
        let directory = try TemporaryDirectory(prefix: "reconcile-metrics")
        let metrics = directory.file("reconcile.prom")
        let arguments = RunCommandTests.runArguments(repo, server, ["--metrics-file", metrics, "--quiet"])
        _ = try await reconcile(arguments)
        let complete = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(complete.hasSuffix("\n") && complete.contains("reconcile_status 2\n"))

        // Readers open and read the file in a loop while runs replace it; every read must
        // be a whole exposition (it always ends with the source info line).
        let log = ReadLog()
        let readers = (0..<3).map { _ in
            Thread {
                while !log.stopped {
                    let text = FileManager.default.contents(atPath: metrics).map { String(decoding: $0, as: UTF8.self) }
                    log.saw(text ?? "<missing>", whole: text.map(Self.isWhole) ?? false)
                }
            }
        }
        for reader in readers { reader.start() }
        for _ in 0..<4 {
            let result = try await reconcile(arguments)
            #expect(result.status == 2)
        }
        log.stop()
        #expect(log.reads > 0)
        #expect(log.torn.isEmpty)
    }

    static func isWhole(_ text: String) -> Bool {
        text.hasPrefix("# HELP reconcile_findings") && text.contains("reconcile_status 2\n") && text.hasSuffix("} 1\n")
    }

    /// What the reader threads saw.
    final class ReadLog: Sendable {
        private let state = Mutex((stopped: false, reads: 0, torn: [String]()))
        var stopped: Bool { state.withLock { $0.stopped } }
        var reads: Int { state.withLock { $0.reads } }
        var torn: [String] { state.withLock { $0.torn } }
        func stop() { state.withLock { $0.stopped = true } }
        func saw(_ text: String, whole: Bool) {
            state.withLock {
                $0.reads += 1
                if !whole { $0.torn.append(text) }
            }
        }
    }
}
