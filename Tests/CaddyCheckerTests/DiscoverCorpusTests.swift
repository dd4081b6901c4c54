import Foundation
import TestSupport
import Testing

/// `reconcile discover --caddy` on every Caddyfile of the corpus running in a real Caddy:
/// the manifest it writes validates without a warning (the decoder, the consistency rules
/// and the JSON Schema), says nothing is
/// left out (no gap, `unmanaged_routes: report`), and committed as the desired state it
/// finds that Caddy in sync (every written route ok, exit 0, and any live route it did
/// not write would be unmanaged drift). Then one value changed in the live config (an
/// upstream, else a root, else a status) is drift. A fixture that regresses fails here:
/// there is no list of fixtures or gaps allowed to differ.
@Suite struct DiscoverCorpusTests {
    @Test func everyCorpusCaddyfileRoundTripsThroughDiscover() async throws {
        var outputs: [TemporaryDirectory] = []
        var lines: [String] = []
        for name in CaddyCorpusTests.fixtures {
            let caddy = try await startCaddy(caddyfile: try Fixtures.text("caddy/corpus/\(name)"))
            defer { caddy.stop() }
            let scratch = try TemporaryDirectory(prefix: "reconcile-discover")
            let output = scratch.file("edge.yaml")
            outputs.append(scratch)
            let discovered = try await offPool {
                try run(TestPaths.reconcileBinary, ["discover", "--caddy", caddy.adminURL, "--name", "corpus", "-o", output])
            }
            #expect(discovered.status == 0, "\(name): \(discovered.stderr)")
            let manifest = try String(contentsOfFile: output, encoding: .utf8)
            #expect(!discovered.stderr.contains("not expressible yet"), "\(name): \(discovered.stderr)\n\(manifest)")
            #expect(!manifest.contains("# NOT EXPRESSIBLE YET ("), "\(name):\n\(manifest)")
            #expect(manifest.contains("unmanaged_routes: \"report\""), "\(name):\n\(manifest)")

            let repo = try await makeConfigRepository(["manifests/edge.yaml": manifest])
            let validated = try await offPool { try run(TestPaths.reconcileBinary, ["validate", "--repo", repo.path]) }
            #expect(
                validated.status == 0 && !(validated.stdout + validated.stderr).contains("warning"),
                "\(name): \(validated.stdout)\(validated.stderr)")
            let dry = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml")
            #expect(dry.status == 0, "\(name): \(dry.caddy)\n\(manifest)\n\(dry.stdout)\(dry.stderr)")
            // One finding per written route and server serving it (a site on two servers is compared on both).
            let written = manifest.split(separator: "\n").filter { $0.drop { $0 == " " }.hasPrefix("- path: ") }.count
            #expect(written > 0 && dry.caddy.count >= written, "\(name): \(dry.caddy)\n\(manifest)")
            #expect(dry.caddy.allSatisfy { $0.hasPrefix("ok ") }, "\(name): \(dry.caddy)\n\(manifest)")

            let change = try Self.changingOneValue(try await liveConfig(caddy))
            try await CaddyFixPasteTests.load(change.config, into: caddy)
            let drifted = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml")
            #expect(drifted.status == 2, "\(name): live \(change.what): \(drifted.caddy)\n\(manifest)\n\(drifted.stderr)")
            #expect(drifted.caddy.contains { $0.hasPrefix("drift ") }, "\(name): live \(change.what): \(drifted.caddy)")
            lines.append("  \(name): \(written) routes written, in sync; live \(change.what) is drift")
        }
        // Every written manifest matches the published JSON Schema too (one Python run).
        let check = """
            import json, sys, yaml, jsonschema
            validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
            for path in sys.argv[2:]:
                for error in validator.iter_errors(yaml.safe_load(open(path))): print(path, error.message)
            """
        let schema = "\(TestPaths.repositoryRoot)/manifests/schema/reconcile-v1.schema.json"
        let paths = outputs.map { $0.file("edge.yaml") }
        let validated = try await offPool { try run(TestPaths.python, ["-c", check, schema] + paths) }
        #expect(validated.status == 0 && validated.stdout.isEmpty, "\(validated.stdout)\(validated.stderr)")
        print((["discover round trip of \(CaddyCorpusTests.fixtures.count) corpus fixtures:"] + lines).joined(separator: "\n"))
    }

    /// The live config (compact JSON, as the admin API sends it) with its first upstream,
    /// else its first root, status, body or rewrite changed.
    static func changingOneValue(_ config: Data) throws -> (config: Data, what: String) {
        let text = String(decoding: config, as: UTF8.self)
        let changes = [
            ("\"dial\":\"[^\"]*\"", "\"dial\":\"127.0.0.1:1\""), ("\"root\":\"[^\"]*\"", "\"root\":\"/srv/changed\""),
            ("\"status_code\":[0-9]+", "\"status_code\":418"),
            ("\"body\":\"[^\"]*\"", "\"body\":\"changed\""), ("\"uri\":\"[^\"]*\"", "\"uri\":\"/changed\""),
        ]
        for (pattern, replacement) in changes {
            guard let range = text.range(of: pattern, options: .regularExpression) else { continue }
            return (Data(text.replacingCharacters(in: range, with: replacement).utf8), "\(text[range]) → \(replacement)")
        }
        throw TestSupportError("nothing to change in \(text)")
    }
}
