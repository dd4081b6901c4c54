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
}
