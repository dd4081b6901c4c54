import Foundation
import TestSupport
import Testing

/// `reconcile plan --format sarif|junit` on real commit pairs, validated against the same
/// published schemas as `run` and `validate` (Tests/Fixtures/schemas): a SARIF note per
/// changed resource at its head-side line under a rule per kind of change, with
/// fingerprints that survive an edit above it; a JUnit testsuite per checker.
@Suite struct PlanFormatTests {
    /// Three kinds of change: the media root changed (line 13), the frontend route
    /// removed, a health check added; `prefix` goes above everything on the head side.
    static func head(prefix: String = "") throws -> String {
        prefix
            + (try PlanCommandTests.edited([
                ("root: /srv/rims/media }", "root: /srv/rims/uploads }"),
                ("        - path: /*\n          file_server: { root: /srv/rims/frontend }\n", ""),
            ]))
            + "  - name: admin\n    url: https://rims.example.com/admin/\n    expect: { status: 302 }\n"
    }

    static func results(_ result: CommandResult) throws -> [[String: Any]] {
        let run = try #require((try result.json()["runs"] as? [[String: Any]])?.first)
        return try #require(run["results"] as? [[String: Any]])
    }

    static func line(_ result: [String: Any]) -> Int? {
        let location = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
        return (location?["region"] as? [String: Any])?["startLine"] as? Int
    }

    static func fingerprint(_ result: [String: Any]) -> String? {
        (result["partialFingerprints"] as? [String: String])?["reconcileResult/v1"]
    }

    @Test func planSARIFIsANotePerChangeUnderARulePerKindOfChange() async throws {
        let result = try await PlanCommandTests.plan(head: [PlanCommandTests.manifest: try Self.head()], format: "sarif")
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(try MachineFormatTests.schemaProblem(result.stdout, schema: "sarif-schema-2.1.0.json", json: true) == nil)
        let run = try #require((try result.json()["runs"] as? [[String: Any]])?.first)
        let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["id"] as? String } == ["plan-added", "plan-changed", "plan-removed"])
        let results = try Self.results(result)
        // In manifest order (health's section first), removals last.
        #expect(results.compactMap { $0["ruleId"] as? String } == ["plan-added", "plan-changed", "plan-removed"])
        #expect(results.allSatisfy { $0["level"] as? String == "note" })
        let messages = results.compactMap { ($0["message"] as? [String: Any])?["text"] as? String }
        #expect(messages.first?.hasPrefix("added health health admin\nurl: (unset) → https://rims.example.com/admin/\n") == true)
        #expect(messages.dropFirst().first == "changed caddy route rims.example.com /media/*\nroot: /srv/rims/media → /srv/rims/uploads")
        #expect(messages.last?.hasPrefix("removed caddy route rims.example.com /* (at manifests/production.yaml:16 on the base)") == true)
        // Head-side lines; the removed route points at its manifest, not at a head line.
        #expect(results.map(Self.line) == [44, 13, 1])
    }

    @Test func planSARIFPercentEncodesAManifestPathIntoOneURIPath() async throws {
        let staging = PlanCommandTests.stack.replacingOccurrences(of: "name: production", with: "name: staging")
        let result = try await PlanCommandTests.plan(head: ["manifests/my prod#1%.yaml": staging], format: "sarif")
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(try MachineFormatTests.schemaProblem(result.stdout, schema: "sarif-schema-2.1.0.json", json: true) == nil)
        let uris = try Self.results(result).compactMap { result in
            let location = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
            return (location?["artifactLocation"] as? [String: Any])?["uri"] as? String
        }
        #expect(!uris.isEmpty)
        #expect(uris.allSatisfy { $0 == "manifests/my%20prod%231%25.yaml" }, "\(uris)")
        #expect(URL(string: try #require(uris.first))?.fragment == nil)
    }

    @Test func planSARIFFingerprintsSurviveAnEditAboveTheChange() async throws {
        let plain = try await PlanCommandTests.plan(head: [PlanCommandTests.manifest: try Self.head()], format: "sarif")
        let moved = try await PlanCommandTests.plan(
            head: [PlanCommandTests.manifest: try Self.head(prefix: "# a comment moves every line\n")], format: "sarif")
        let before = try Self.results(plain)
        let after = try Self.results(moved)
        #expect(after.map(Self.line) == [45, 14, 1])
        #expect(before.map(Self.fingerprint) == after.map(Self.fingerprint))
        #expect(Set(before.compactMap(Self.fingerprint)).count == 3)
    }

    @Test func planJUnitIsASuitePerCheckerAndATestcasePerChangedResource() async throws {
        let result = try await PlanCommandTests.plan(head: [PlanCommandTests.manifest: try Self.head()], format: "junit")
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(try MachineFormatTests.schemaProblem(result.stdout, schema: "JUnit.xsd", json: false) == nil)
        #expect(result.stdout.contains("name=\"caddy\" timestamp="))
        #expect(result.stdout.contains("tests=\"2\" failures=\"0\" errors=\"0\""))
        #expect(
            result.stdout.contains(
                "<testcase name=\"route rims.example.com /media/*\" classname=\"reconcile.caddy\" time=\"0\"/>"))
        #expect(result.stdout.contains("<testcase name=\"health admin\" classname=\"reconcile.health\" time=\"0\"/>"))
        #expect(result.stdout.contains("<property name=\"base\" value=\"base\"/>"))
        #expect(!result.stdout.contains("<failure") && !result.stdout.contains("<error"))
    }

    @Test func anUnchangedPlansJUnitPassesItsManifest() async throws {
        let result = try await PlanCommandTests.plan(head: ["README.md": "docs only\n"], format: "junit")
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(try MachineFormatTests.schemaProblem(result.stdout, schema: "JUnit.xsd", json: false) == nil)
        #expect(
            result.stdout.contains(
                "<testcase name=\"manifests/production.yaml\" classname=\"reconcile.manifest\" time=\"0\"/>"))
        let sarif = try await PlanCommandTests.plan(head: ["README.md": "docs only\n"], format: "sarif")
        #expect(try MachineFormatTests.schemaProblem(sarif.stdout, schema: "sarif-schema-2.1.0.json", json: true) == nil)
        #expect(try Self.results(sarif).isEmpty)
    }
}
