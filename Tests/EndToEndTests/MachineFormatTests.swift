import Foundation
import TestSupport
import Testing

/// `--format sarif` and `--format junit` of `run` and `validate`, validated against the
/// published schemas committed under Tests/Fixtures/schemas (SARIF 2.1.0 by OASIS, the
/// Ant JUnit XSD) with the test virtualenv's jsonschema and xmlschema.
@Suite struct MachineFormatTests {
    /// Validates `document` (written to a file) against `schema` (a file of
    /// Tests/Fixtures/schemas, or a path in the repository), by the JSON Schema draft the
    /// schema names; the validator's complaint, or nil when valid.
    static func schemaProblem(_ document: String, schema: String, json: Bool) throws -> String? {
        let scratch = try TemporaryDirectory(prefix: "reconcile-formats")
        let file = try scratch.write(json ? "out.json" : "out.xml", document)
        let script =
            json
            ? """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            validator = jsonschema.validators.validator_for(schema)
            validator.check_schema(schema)
            errors = list(validator(schema).iter_errors(json.load(open(sys.argv[2]))))
            for error in errors: print(list(error.absolute_path), error.message)
            sys.exit(1 if errors else 0)
            """
            : """
            import sys, xmlschema
            schema = xmlschema.XMLSchema(sys.argv[1])
            errors = list(schema.iter_errors(sys.argv[2]))
            for error in errors: print(error.path, error.reason)
            sys.exit(1 if errors else 0)
            """
        let path = schema.contains("/") ? "\(TestPaths.repositoryRoot)/\(schema)" : TestPaths.fixture("schemas/\(schema)")
        let result = try run(TestPaths.python, ["-c", script, path, file])
        return result.status == 0 ? nil : result.stdout + result.stderr
    }

    /// Health checks that are in sync, drifted, and unobservable (a POST a dry run does
    /// not send), committed.
    static func runRepository(_ server: FixtureHTTPServer) async throws -> ScratchRepository {
        try await healthRepository(
            """
              - name: home
                url: \(server.baseURL)/status/200
                expect: { status: 200 }
              - name: created
                url: \(server.baseURL)/status/200
                expect: { status: 201 }
              - name: posted
                url: \(server.baseURL)/status/200
                method: POST
                expect: { status: 200 }

            """)
    }

    /// A repository whose one manifest has these health checks (YAML list items).
    static func healthRepository(_ checks: String) async throws -> ScratchRepository {
        try await committedRepository(["manifests/prod.yaml": "apiVersion: reconcile/v1\nkind: Environment\nhealth:\n" + checks])
    }

    @Test func aRunsJUnitIsOneSuitePerCheckerWithFailureForDriftAndErrorForUnknown() async throws {
        let server = try await offPool { try FixtureHTTPServer() }
        defer { server.stop() }
        let repo = try await Self.runRepository(server)
        let result = try await reconcile(["--dry-run", "--repo", repo.path, "--format", "junit"])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(try Self.schemaProblem(result.stdout, schema: "JUnit.xsd", json: false) == nil)
        #expect(result.stdout.contains("name=\"health\""))
        #expect(result.stdout.contains("tests=\"3\" failures=\"1\" errors=\"1\""))
        #expect(result.stdout.contains("<testcase name=\"home\" classname=\"reconcile.health\" time=\"0\"/>"))
        #expect(
            result.stdout.contains(
                "<testcase name=\"created\" classname=\"reconcile.health\" time=\"0\">\n      <failure type=\"health-drift\""))
        #expect(
            result.stdout.contains(
                "<testcase name=\"posted\" classname=\"reconcile.health\" time=\"0\">\n      <error type=\"health-unknown\""))
    }

    @Test func aBodyOfNoncharactersAndControlsStillGivesWellFormedJUnit() async throws {
        // U+FFFE, U+FFFF and most C0 controls are not XML 1.0 characters: raw, the report does not parse.
        let scratch = try await offPool { try TemporaryDirectory(prefix: "reconcile-formats") }
        let noncharacters = String(String.UnicodeScalarView([0xFFFF, 0xFFFE, 0xFDD0].compactMap(Unicode.Scalar.init)))
        let body = try scratch.write("body.txt", "down \(noncharacters)\u{1}\u{B}\u{C} here")
        let server = try await offPool { try FixtureHTTPServer(serving: ["/": body]) }
        defer { server.stop() }
        let repo = try await Self.healthRepository(
            "  - name: home\n    url: \(server.baseURL)/\n    expect: { status: 200, body_contains: healthy }\n")
        let result = try await reconcile(["--dry-run", "--repo", repo.path, "--format", "junit"])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(try Self.schemaProblem(result.stdout, schema: "JUnit.xsd", json: false) == nil)
        #expect(result.stdout.contains("Body starts: &quot;down \\u{FFFF}\\u{FFFE}\\u{FDD0}\\x01\\x0B\\x0C here&quot;"), "\(result.stdout)")
    }

    @Test func aRunsSARIFHasARulePerKindAndResultsAtTheManifestLine() async throws {
        let server = try await offPool { try FixtureHTTPServer() }
        defer { server.stop() }
        let repo = try await Self.runRepository(server)
        let result = try await reconcile(["--dry-run", "--repo", repo.path, "--format", "sarif"])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(try Self.schemaProblem(result.stdout, schema: "sarif-schema-2.1.0.json", json: true) == nil)
        let log = try result.json()
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["id"] as? String } == ["health-drift", "health-ok", "health-unknown"])
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["ruleId"] as? String } == ["health-drift", "health-unknown"])
        #expect(results.compactMap { $0["level"] as? String } == ["error", "warning"])
        let location = try #require((results.first?["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == "manifests/prod.yaml")
        #expect((location["region"] as? [String: Any])?["startLine"] as? Int == 7)
    }

    @Test func validateSARIFFingerprintsSurviveAnEditAboveTheProblem() async throws {
        let manifest = try Fixtures.text("consistency/trips/media-root/manifests/production.yaml")
        let repo = try await pullRequestRepository(
            base: ["manifests/production.yaml": manifest], head: ["manifests/production.yaml": "# a comment moves every line\n" + manifest])
        var fingerprints: [String] = []
        var lines: [Int] = []
        for ref in ["base", "HEAD"] {
            let result = try await reconcile(["validate", "--repo", repo.path, "--ref", ref, "--format", "sarif"])
            #expect(result.status == 1, "\(result.allOutput)")
            #expect(try Self.schemaProblem(result.stdout, schema: "sarif-schema-2.1.0.json", json: true) == nil)
            let run = try #require((try result.json()["runs"] as? [[String: Any]])?.first)
            let problem = try #require((run["results"] as? [[String: Any]])?.first { $0["ruleId"] as? String == "media-root" })
            fingerprints.append(try #require((problem["partialFingerprints"] as? [String: String])?["reconcileResult/v1"]))
            let location = (problem["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
            lines.append(((location?["region"] as? [String: Any])?["startLine"] as? Int) ?? 0)
        }
        #expect(lines == [36, 37])
        #expect(fingerprints.count == 2 && fingerprints[0] == fingerprints[1])
    }

    @Test func validateJUnitFailsTheContradictionAndPassesTheWarningUnlessStrict() async throws {
        let text = try Fixtures.text("consistency/trips/caddy-unreachable-route/manifests/production.yaml")
        let repo = try await committedRepository(["manifests/production.yaml": text])
        let lenient = try await reconcile(["validate", "--repo", repo.path, "--format", "junit"])
        #expect(lenient.status == 0, "\(lenient.allOutput)")
        #expect(try Self.schemaProblem(lenient.stdout, schema: "JUnit.xsd", json: false) == nil)
        #expect(
            lenient.stdout.contains(
                "<testcase name=\"caddy-unreachable-route at manifests/production.yaml:11\" classname=\"reconcile.caddy\" time=\"0\"/>"))
        let strict = try await reconcile(["validate", "--repo", repo.path, "--format", "junit", "--strict"])
        #expect(strict.status == 1)
        #expect(try Self.schemaProblem(strict.stdout, schema: "JUnit.xsd", json: false) == nil)
        #expect(strict.stdout.contains("<failure type=\"caddy-unreachable-route\" message=\"route /api/health/ can never be reached"))
    }
}
