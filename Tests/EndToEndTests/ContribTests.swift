import Foundation
import TestSupport
import Testing

/// What contrib/ ships for operators is checked by the tools that will read it: the
/// alert rules by promtool (syntax and unit tests), the systemd units by
/// systemd-analyze (with ExecStart pointing at the built binary).
@Suite struct ContribTests {
    static let prometheus = TestPaths.repositoryRoot + "/contrib/prometheus"

    @Test func theAlertRulesPassPromtoolCheckAndTheirUnitTests() async throws {
        let check = try await offPool { try run("promtool", ["check", "rules", "reconcile.rules.yml"], workingDirectory: Self.prometheus) }
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("SUCCESS: 5 rules found"))
        let tests = try await offPool {
            try run("promtool", ["test", "rules", "reconcile.rules.test.yml"], workingDirectory: Self.prometheus)
        }
        #expect(tests.status == 0, "\(tests.stdout)\(tests.stderr)")
        let rules = try String(contentsOfFile: Self.prometheus + "/reconcile.rules.yml", encoding: .utf8)
        for alert in ["ReconcileDrift", "ReconcileUnknown", "ReconcileStale", "ReconcileFailing", "ReconcileDown"] {
            #expect(rules.contains("alert: \(alert)\n"))
        }
    }

    /// The README shows what contrib/ ships: the cron job line itself, the one directory
    /// the units and the cron file write metrics to (Debian's node_exporter textfile
    /// directory), and the agent unit's listen address as serve's default.
    @Test func theReadmeShowsContribsCronLineMetricsDirectoryAndListenAddress() async throws {
        let root = TestPaths.repositoryRoot
        let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
        let contrib = try ["cron/reconcile", "systemd/reconcile.service", "systemd/reconcile-serve.service"].map {
            try String(contentsOfFile: "\(root)/contrib/\($0)", encoding: .utf8)
        }
        let job = try #require(contrib[0].split(separator: "\n").first { $0.hasPrefix("*/5 ") })
        #expect(readme.contains("\n\(job)\n"), "the README's cron line is not contrib/cron/reconcile's")

        func metricsFiles(_ text: String) -> Set<String> {
            Set(text.matches(of: /--metrics-file (\/[^\s`]+)/).map { String($0.output.1) })
        }
        let shipped = contrib.map(metricsFiles).reduce(Set(), { $0.union($1) })
        #expect(shipped == ["/var/lib/prometheus/node-exporter/reconcile.prom"])
        #expect(!metricsFiles(readme).isEmpty && metricsFiles(readme).isSubset(of: shipped), "\(metricsFiles(readme))")

        let execStart = try #require(contrib[2].split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let listen = try #require(execStart.firstMatch(of: /--listen (\S+)/)).output.1
        let help = try await reconcile(["serve", "--help"])
        let helpText = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(helpText.contains("(default: \(listen))"), "\(help.stdout)")
        #expect(readme.contains("`--listen` (default `\(listen)`, as in the unit)"))
        #expect(readme.contains("--listen 0.0.0.0:9177"), "the README says how to listen beyond the host")
    }

    @Test func theSystemdUnitsPassSystemdAnalyzeVerify() async throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-units")
        var paths: [String] = []
        for unit in ["reconcile.service", "reconcile.timer"] {
            let text = try String(contentsOfFile: TestPaths.repositoryRoot + "/contrib/systemd/" + unit, encoding: .utf8)
            #expect(unit.hasSuffix(".timer") || text.contains("ExecStart=/usr/local/bin/reconcile "))
            paths.append(
                try scratch.write(unit, text.replacingOccurrences(of: "/usr/local/bin/reconcile", with: TestPaths.reconcileBinary)))
        }
        let units = paths
        // The units name the man page the package installs (Documentation=man:reconcile(1));
        // it is not installed here, and PackageTests check it renders.
        let verify = try await offPool { try run("systemd-analyze", ["verify", "--man=no"] + units) }
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout + verify.stderr == "")
    }

    /// The timer runs every 5 minutes and a run missed while the host was down happens
    /// when it is back (`Persistent=true` needs `OnCalendar=`; it did nothing beside
    /// `OnUnitActiveSec=`).
    @Test func theTimerRunsEveryFiveMinutesAndCatchesUpAMissedRun() async throws {
        let text = try String(contentsOfFile: TestPaths.repositoryRoot + "/contrib/systemd/reconcile.timer", encoding: .utf8)
        try await TimerUnit.expectMissedRunsCatchUp(text, everyMinutes: 5)
    }
}
