import Foundation
import TestSupport
import Testing

/// The JSON Schema (manifests/schema/reconcile-v1.schema.json, for editors) and the
/// decoder (`reconcile validate`) must agree: every example manifest in the repository
/// passes both, and broken fixtures fail both.
@Suite struct SchemaTests {
    static let root = TestPaths.repositoryRoot
    static let schema = "manifests/schema/reconcile-v1.schema.json"

    /// Every example manifest in the repository: manifests/*.yaml (DESIGN's production
    /// example among them) and examples/**/manifests/*.yaml, plus the valid fixtures.
    static func exampleManifests() throws -> [String] {
        var found: [String] = []
        let manager = FileManager.default
        for name in (try? manager.contentsOfDirectory(atPath: "\(root)/manifests")) ?? [] where name.hasSuffix(".yaml") {
            found.append("manifests/\(name)")
        }
        if let walker = manager.enumerator(atPath: "\(root)/examples") {
            for case let relative as String in walker
            where relative.hasSuffix(".yaml") && (relative as NSString).deletingLastPathComponent.hasSuffix("manifests") {
                found.append("examples/\(relative)")
            }
        }
        for name in try manager.contentsOfDirectory(atPath: TestPaths.fixture("manifests/valid")) {
            found.append("Tests/Fixtures/manifests/valid/\(name)")
        }
        return found.sorted()
    }

    /// Broken fixtures the schema can see are broken (the others need semantics the
    /// schema cannot express: duplicate names, unknown variables, YAML 1.2 booleans,
    /// a URL without a host).
    static let brokenForBoth = [
        "yaml-unclosed-quote", "yaml-bad-indentation", "empty", "wrong-api-version", "top-unknown-key",
        "health-not-a-list", "health-unknown-key", "health-unknown-expect-key", "health-status-string",
        "health-status-out-of-range", "health-url-list", "health-url-no-scheme", "health-url-unsupported-scheme",
        "health-missing-url", "health-missing-expect", "health-both-token-sources", "health-token-in-manifest",
        "health-bad-method", "health-several-errors",
    ].map { "Tests/Fixtures/manifests/broken/\($0).yaml" }

    /// Validates `paths` (repository-relative) against the schema with Python's
    /// jsonschema; returns path → error messages ([] when valid).
    static func schemaErrors(_ paths: [String]) async throws -> [String: [String]] {
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema)
            result = {}
            for path in sys.argv[2:]:
                try:
                    document = yaml.safe_load(open(path))
                    result[path] = [e.message for e in validator.iter_errors(document)]
                except yaml.YAMLError as error:
                    result[path] = ["YAML: %s" % error]
            print(json.dumps(result))
            """
        let result = try await offPool { try run(TestPaths.python, ["-c", script, schema] + paths, workingDirectory: root) }
        guard result.status == 0 else { throw TestSupportError("schema validation failed to run: \(result.stderr)") }
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String]])
    }

    @Test func theSchemaExistsAndIsADraft2020Schema() async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(Self.root)/\(Self.schema)"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
    }

    @Test func theExamplesIncludeDesignsProductionManifest() async throws {
        let examples = try Self.exampleManifests()
        #expect(examples.contains("manifests/production.yaml"))
        #expect(examples.contains { $0.hasPrefix("examples/") })
    }

    @Test func everyExampleManifestIsValidForTheSchema() async throws {
        let errors = try await Self.schemaErrors(try Self.exampleManifests())
        for (path, messages) in errors.sorted(by: { $0.key < $1.key }) {
            #expect(messages.isEmpty, "\(path): \(messages)")
        }
    }

    @Test func everyExampleManifestIsValidForTheDecoder() async throws {
        let examples = try Self.exampleManifests()
        let result = try await reconcile(["validate", "--repo", Self.root, "--worktree"] + examples)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let problems = lines.filter { !$0.contains(": valid (") }
        #expect(problems.isEmpty, "\(result.allOutput)")
        #expect(result.status == 0)
        #expect(lines.count >= examples.count)
    }

    @Test func brokenFixturesAreRejectedByTheSchema() async throws {
        let errors = try await Self.schemaErrors(Self.brokenForBoth)
        for path in Self.brokenForBoth {
            #expect(errors[path]?.isEmpty == false, "the schema accepts \(path)")
        }
    }

    @Test func brokenFixturesAreRejectedByTheDecoder() async throws {
        for path in Self.brokenForBoth {
            let result = try await reconcile(["validate", "--repo", Self.root, "--worktree", path])
            #expect(result.status == 1, "validate accepts \(path)")
            #expect(result.stdout.hasPrefix("\(path):"), "\(result.stdout)")
        }
    }
}
