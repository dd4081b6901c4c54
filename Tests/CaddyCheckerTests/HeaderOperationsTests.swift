import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import CaddyChecker

/// The `header` directive's operations (set, `+` add, `-` delete, `?` default), written by
/// discover as `header:` keys spelled the Caddyfile's way and compared each with every live
/// operation on its header; what the manifest cannot say is named, in discover and in the
/// route's finding (found by review: discover kept only the first handler's `set`, and a
/// config that lost its delete and add, and set Cache-Control unconditionally, was in sync).
@Suite struct CaddyHeaderOperationsTests {
    static let site = """
        http://127.0.0.1:$PORT0 {
        	header {
        		X-Frame-Options DENY
        		-Server
        		+Link "<https://x>; rel=preload"
        		?Cache-Control no-cache
        	}
        	reverse_proxy 127.0.0.1:8000
        }

        """

    /// `PATCH`/`DELETE` at an admin path of the running config.
    static func change(_ caddy: CaddyInstance, _ method: String, _ path: String, _ json: String? = nil) async throws {
        let answer = try await sendToAdmin(
            caddy, "/config/apps/http/servers/srv0/routes/0/" + path, method: method, json: json.map { Data($0.utf8) })
        #expect(answer.status == 200, "\(method) \(path): \(answer.status) \(answer.bodyText)")
    }

    /// A discovered manifest without its `host:` section (the Caddy tests decode `caddy:` only).
    static func caddySection(_ manifest: String) -> String {
        manifest.components(separatedBy: "\n# Host:")[0]
    }

    @Test func discoverWritesEveryHeaderOperationAndEachLiveChangeIsDriftWithAFixThatPastesBack() async throws {
        let caddy = try await startCaddy(Self.site)
        defer { caddy.stop() }
        let scratch = try TemporaryDirectory(prefix: "reconcile-discover-headers")
        let output = scratch.file("edge.yaml")
        let discovered = try await offPool {
            try run(TestPaths.reconcileBinary, ["discover", "--caddy", caddy.adminURL, "--name", "headers", "-o", output])
        }
        #expect(discovered.status == 0, "\(discovered.stderr)")
        #expect(discovered.stderr.contains("0 options not compared"), "\(discovered.stderr)")
        let manifest = try String(contentsOfFile: output, encoding: .utf8)
        for key in [
            "\"X-Frame-Options\": \"DENY\"", "\"-Server\": \"\"", "\"+Link\": \"<https://x>; rel=preload\"",
            "\"?Cache-Control\": \"no-cache\"",
        ] {
            #expect(manifest.contains(key), "\(key) is not written:\n\(manifest)")
        }
        let repo = try await makeConfigRepository(["manifests/edge.yaml": manifest])
        let inSync = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml", extra: ["--only", "caddy"])
        #expect(inSync.status == 0 && inSync.caddy == ["ok /*"], "\(inSync.stdout)\(inSync.stderr)")
        #expect(inSync.message(of: "/*")?.contains("not compared") == false, "\(inSync.stdout)")

        let handlers = "handle/0/routes/0/handle/"
        try await Self.change(caddy, "DELETE", handlers + "0/response/delete")
        let deleted = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml", extra: ["--only", "caddy"])
        #expect(deleted.status == 2, "\(deleted.stdout)")
        #expect(deleted.message(of: "/*")?.contains("a different header Server: expected -Server, live none") == true, "\(deleted.stdout)")

        try await Self.change(caddy, "DELETE", handlers + "0/response/add")
        try await Self.change(
            caddy, "PATCH", handlers + "1",
            #"{"handler":"headers","response":{"set":{"Cache-Control":["public, max-age=31536000, immutable"]}}}"#)
        let drifted = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml", extra: ["--only", "caddy"])
        #expect(drifted.status == 2, "\(drifted.stdout)")
        let message = drifted.message(of: "/*") ?? ""
        for expected in [
            "a different header Cache-Control: expected ?Cache-Control no-cache, live Cache-Control \"public, max-age=31536000, immutable\"",
            "a different header Link: expected +Link \"<https://x>; rel=preload\", live none",
            "a different header Server: expected -Server, live none",
        ] {
            #expect(message.contains(expected), "\(expected)\n\(message)")
        }

        // The fix, pasted as the site's body of a Caddy, is in sync with the manifest.
        let fix = try #require(drifted.findings.first { $0["resource"] as? String == "/*" }?["fix"] as? [String: Any])
        let snippet = try #require(fix["snippet"] as? String)
        let fixed = try await startCaddy("http://127.0.0.1:$PORT0 {\n\(snippet)\n}\n")
        defer { fixed.stop() }
        let findings = try await check(
            try decode(CaddySpec.self, yaml: Self.caddySection(manifest).replacingOccurrences(of: caddy.adminURL, with: fixed.adminURL)))
        #expect(findings.map(\.status) == [.ok], "\(snippet)\n\(summary(findings))")
    }

    /// Request headers, `replace`, `defer` without a delete: no manifest key says them.
    /// Discover names them as not compared, the written route compares in sync and its
    /// finding names them too; a header the manifest's `header:` does not name is said.
    @Test func operationsTheManifestCannotSayOrDoesNotNameAreSaidNotCompared() async throws {
        let adapted = try await adaptCaddyfile(
            """
            :8080 {
            	request_header X-Req 1
            	header X-Rep a b
            	header {
            		defer
            		X-Late yes
            	}
            	header /static/* X-A 1
            	header /static/* -Server
            	respond "hi"
            }
            """
        ).json()
        let observation = CaddyObservation(admin: "http://127.0.0.1:2019", live: .config(adapted))
        let section = CaddyChecker().describe(observation, request: DiscoveryRequest(caddyAdmin: observation.admin), earlier: Discoveries())
        let value = try #require(section.value, "\(section.problems)")
        let text = YAMLWriter.document([YAMLEntry("caddy", value)])
        #expect(section.gaps == [], "\(section.gaps)\n\(text)")
        let uncompared = section.uncompared.joined(separator: "\n")
        for said in ["request_header {\"set\":{\"X-Req\":[\"1\"]}}", "header replace in X-Rep", "header defer"] {
            #expect(uncompared.contains(said), "\(said)\n\(uncompared)")
        }
        // Two `header /static/*` directives are one middleware route: both written.
        #expect(text.contains("\"-Server\": \"\"") && text.contains("\"X-A\": \"1\""), "\(text)")
        #expect(text.contains("\"X-Late\": \"yes\""), "\(text)")

        let findings = CaddyChecker().compare(try decode(CaddySpec.self, yaml: text), with: observation)
        #expect(findings.allSatisfy { $0.status == .ok }, "\(summary(findings))\n\(text)")
        let site = try #require(findings.first { $0.message.contains("request_header") }, "\(summary(findings))")
        #expect(site.message.contains("not compared: ") && site.message.contains("header replace in X-Rep"), "\(site.message)")

        let named = try decode(
            CaddySpec.self,
            yaml: """
                caddy:
                  sites:
                    - routes:
                        - { path: /static/*, header: { "-server": "" } }
                """)
        let partial = CaddyChecker().compare(named, with: observation).first { $0.resource == "/static/*" }
        #expect(partial?.status == .ok, "\(partial?.message ?? "none")")
        #expect(
            partial?.message.hasSuffix("not compared: header X-A 1 (the manifest's header: does not name it)") == true,
            "\(partial?.message ?? "none")")
    }

    @Test(arguments: [
        (#"{ "-Server": "nginx" }"#, "-Server deletes the header: its value must be empty"), (#"{ "+": x }"#, "names no header"),
        (#"{ x-a: "1", X-A: "2" }"#, "the same operation as another key: X-A"),
    ])
    func aDeleteWithAValueAnEmptyNameAndOneOperationTwiceAreErrors(_ header: String, _ message: String) {
        let errors = decodeErrors("caddy:\n  sites:\n    - routes:\n        - { path: /a, header: \(header) }\n")
        // Line 6: the section's line 4, after the two header lines the test puts in front.
        #expect(errors.count == 1 && errors[0].hasPrefix("6:") && errors[0].contains(message), "\(errors)")
    }
}
