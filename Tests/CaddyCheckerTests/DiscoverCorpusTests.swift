import Foundation
import TestSupport
import Testing

/// `reconcile discover --caddy` on every Caddyfile of the corpus running in a real Caddy:
/// the manifest it writes validates (the decoder and the JSON Schema), and committed as the desired state it finds that
/// Caddy in sync (every written route ok, exit 0). What the manifest cannot express yet
/// is said in the file and counted here against `knownGaps`, never passed silently: a new
/// gap fails, and so does one that closed (update the table).
@Suite struct DiscoverCorpusTests {
    /// Per fixture, what discover names as not expressible yet (its stderr lines
    /// "not expressible yet: caddy: PATH on HOSTS: why", without the why, which holds ports).
    static let knownGaps: [String: [String]] = [
        // Every route is for some hosts only, through a CEL expression matcher.
        "baserow.caddyfile": [
            "/static/* on localhost", "/media/* on localhost", "/media/* on localhost", "/api/* on localhost", "/mcp/* on localhost",
            "/ws/* on localhost",
        ],
        // php_fastcgi's trailing-slash redirect (a file matcher); its try_files route on /* is
        // the same manifest entry as the site's file_server on /* (the manifest pairs by path
        // and the matchers it writes, and php_fastcgi's own matcher is not one of them).
        "docs-php-fpm.caddyfile": ["/* on localhost", "/* on localhost"],
        "grav.caddyfile": ["/* on localhost", "/* on localhost"],
        // Three servers for any host, each with its own routes: a manifest holds one site per
        // host set (the first is written with its listen address); and a header_regexp matcher.
        "hoppscotch-aio-multiport.caddyfile": ["the site for any host", "the site for any host", "/* on any host"],
        // A catch-all no request reaches.
        "hoppscotch-aio-subpath.caddyfile": ["/* on any host"],
    ]

    @Test func everyCorpusCaddyfileRoundTripsThroughDiscover() async throws {
        var gapsByFixture: [String: [String]] = [:]
        var details: [String: [String]] = [:]
        var clean: [String] = []
        var outputs: [TemporaryDirectory] = []
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
            let gaps = discovered.stderr.split(separator: "\n").compactMap { line -> String? in
                line.hasPrefix("not expressible yet: caddy: ") ? String(line.dropFirst("not expressible yet: caddy: ".count)) : nil
            }
            // Each gap is in the file too, as a comment a reviewer sees.
            #expect(manifest.components(separatedBy: "# NOT EXPRESSIBLE YET (caddy): ").count - 1 == gaps.count, "\(name):\n\(manifest)")
            if gaps.isEmpty {
                clean.append(name)
            } else {
                gapsByFixture[name] = gaps.map { $0.components(separatedBy: ": ").first ?? $0 }
                details[name] = gaps
            }

            let repo = try await makeConfigRepository(["manifests/edge.yaml": manifest])
            let validated = try await offPool { try run(TestPaths.reconcileBinary, ["validate", "--repo", repo.path]) }
            #expect(validated.status == 0, "\(name): \(validated.stdout)\(validated.stderr)")
            let dry = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml")
            #expect(dry.status == 0, "\(name): \(dry.caddy)\n\(manifest)\n\(dry.stdout)\(dry.stderr)")
            // One finding per written route and server serving it (a site on two servers is compared on both).
            let written = manifest.split(separator: "\n").filter { $0.drop { $0 == " " }.hasPrefix("- path: ") }.count
            #expect(dry.caddy.count >= written, "\(name): \(dry.caddy)\n\(manifest)")
            #expect(dry.caddy.allSatisfy { $0.hasPrefix("ok ") }, "\(name): \(dry.caddy)\n\(manifest)")
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
        let summary =
            ["discover round trip: \(clean.count) of \(CaddyCorpusTests.fixtures.count) corpus fixtures with no gap"]
            + details.keys.sorted().flatMap { name in
                ["  \(name): \(details[name]!.count) not expressible"] + details[name]!.map { "    \($0)" }
            }
        print(summary.joined(separator: "\n"))
        #expect(gapsByFixture == Self.knownGaps, "\(summary.joined(separator: "\n"))")
    }
}
