import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import CaddyChecker

/// The Caddy checker's discover piece, pure: configs recorded from real Caddy described
/// as a `caddy:` section, which the real decoder reads and the comparison finds in sync
/// with the same config; what the manifest cannot say is a gap, never written.
@Suite struct CaddyDiscoveryTests {
    static let admin = "http://127.0.0.1:2019"

    /// Describes `config`, writes it, decodes it, and compares it with the same config.
    static func roundTrip(_ config: Data) throws -> (section: DiscoveredSection, text: String, findings: [Finding]) {
        let observation = CaddyObservation(admin: admin, live: .config(config))
        let section = CaddyChecker().describe(observation, request: DiscoveryRequest(caddyAdmin: admin), earlier: Discoveries())
        let value = try #require(section.value, "no section: \(section.problems)")
        let text = YAMLWriter.document([YAMLEntry("caddy", value)])
        let spec = try decode(CaddySpec.self, yaml: text)
        return (section, text, CaddyChecker().compare(spec, with: observation))
    }

    @Test(arguments: ["production.live", "nested", "plain-directives", "large", "multi-site"])
    func aRecordedConfigIsDescribedInSync(_ fixture: String) throws {
        let (section, text, findings) = try Self.roundTrip(try fixtureJSON(fixture))
        #expect(section.gaps == [], "\(fixture): \(section.gaps)")
        #expect(!findings.isEmpty)
        #expect(findings.allSatisfy { $0.status == .ok }, "\(fixture): \(summary(findings))\n\(text)")
        #expect(text.contains("unmanaged_routes: \"report\""), "with no gap, a route added later is drift")
    }

    /// A route no request reaches is not written (it would be a shadowed route) and is no
    /// unmanaged drift (it changes no answer): a comment names it for a person to confirm.
    @Test func routesNoRequestReachesAreNamedInACommentNotWritten() throws {
        let (section, text, findings) = try Self.roundTrip(try fixtureJSON("shadowed"))
        #expect(section.gaps == [], "\(text)")
        #expect(findings.allSatisfy { $0.status == .ok }, "\(summary(findings))\n\(text)")
        #expect(text.contains("unmanaged_routes: \"report\""), "\(text)")
        #expect(!text.contains("/srv/never\""), "the unreachable route is written:\n\(text)")
        #expect(
            text.contains(
                "# Not written, confirm by hand: /* (file_server root /srv/never; live JSON "
                    + "/config/apps/http/servers/srv1/routes/0/handle/1/routes/0/handle/1) is never reached, because /* "
                    + "(reverse_proxy 127.0.0.1:9001) answers all of its requests first"), "\(text)")
    }

    /// What the manifest cannot say (a `file` matcher of one's own, an `error` with a
    /// message) is a gap: said, counted, and `unmanaged_routes: ignore`, so the routes
    /// written (an `error` with a status only among them) are still compared.
    @Test func whatTheManifestCannotSayIsAGapNotWritten() throws {
        let (section, text, findings) = try Self.roundTrip(try fixtureJSON("unexpressible"))
        #expect(
            section.gaps == [
                "/* on any host: the manifest cannot say file_server (no root: Caddy's working directory) when file "
                    + "{\"try_files\":[\"{http.request.uri.path}.html\"]}",
                "/private/* on any host: the manifest cannot say error 403",
            ], "\(section.gaps)")
        #expect(findings.map(\.status) == [.ok, .ok], "\(summary(findings))\n\(text)")
        #expect(text.contains("- path: \"/hidden/*\"\n          error:\n            status: 404\n"), "\(text)")
        #expect(text.contains("unmanaged_routes: \"ignore\""), "\(text)")
    }

    /// A responder's options no manifest key says (a load-balancing policy, request
    /// headers, TLS verification off, a directory listing, closing the connection) are not
    /// approximated silently: the route is written and compared without them, and each is
    /// named as not compared (found by exploratory review: discover said nothing was left out).
    @Test func optionsTheManifestCannotSayAreNamedAsNotCompared() async throws {
        let adapted = try await adaptCaddyfile(
            """
            :8080 {
            	handle /api/* {
            		reverse_proxy 127.0.0.1:8000 {
            			header_up X-Admin yes
            			lb_policy first
            			transport http {
            				tls_insecure_skip_verify
            			}
            		}
            	}
            	handle /files/* {
            		file_server browse
            	}
            	handle /plain/* {
            		reverse_proxy 127.0.0.1:8001
            	}
            	respond "hi" 200 {
            		close
            	}
            }
            """
        ).json()
        let (section, text, findings) = try Self.roundTrip(adapted)
        #expect(section.gaps == [], "\(section.gaps)")
        #expect(
            section.uncompared == [
                "/files/* on any host: file_server (no root: Caddy's working directory) has options the manifest cannot say yet, "
                    + "written without them: browse (Caddy JSON keys)",
                "/api/* on any host: reverse_proxy 127.0.0.1:8000 (transport http+tls) has options the manifest cannot say yet, "
                    + "written without them: load_balancing, headers.request, transport.tls.insecure_skip_verify (Caddy JSON keys)",
                "/* on any host: respond \"hi\" 200 has options the manifest cannot say yet, written without them: close (Caddy JSON keys)",
            ], "\(section.uncompared)")
        #expect(findings.allSatisfy { $0.status == .ok }, "\(summary(findings))\n\(text)")
        #expect(text.contains("unmanaged_routes: \"report\""), "the routes are all written: \(text)")
    }

    /// The matchers beyond the path (a CEL expression, a query, a named header_regexp),
    /// php_fastcgi beside a file_server of the same path (its index redirect and try_files
    /// are the directive's, not routes of their own; its try_files is written on it), and a
    /// try_files the adapter split in two routes are written, read back in sync, and a
    /// change to any of them is drift.
    @Test func matchersPhpFastcgiAndASplitTryFilesAreWrittenAndCompared() throws {
        let config = try fixtureJSON("matchers")
        let (section, text, findings) = try Self.roundTrip(config)
        #expect(section.gaps == [], "\(text)")
        #expect(findings.count == 6 && findings.allSatisfy { $0.status == .ok }, "\(summary(findings))\n\(text)")
        for written in [
            "expression: \"{http.request.host}.startsWith(\\\"app\\\")\"", "query:\n", "header_regexp:\n", "php_fastcgi:\n",
            "\"/index.php?_url={uri}&{query}\"", "php_fastcgi:\n            - \"127.0.0.1:9000\"\n          try_files:\n",
        ] {
            #expect(text.contains(written), "\(written) is not written:\n\(text)")
        }
        let spec = try decode(CaddySpec.self, yaml: text)
        let original = String(decoding: config, as: UTF8.self)
        for (from, to) in [
            ("startsWith(\\\"app\\\")", "startsWith(\\\"api\\\")"), ("\"dl\": [", "\"download\": ["), ("\\\\.mock", "\\\\.mocks"),
            ("?_url=", "?url="), ("\"dial\": \"127.0.0.1:9000\"", "\"dial\": \"127.0.0.1:9001\""),
            ("{http.request.uri.path}/index.php", "{http.request.uri.path}/main.php"),
        ] {
            let changed = original.replacingOccurrences(of: from, with: to)
            #expect(changed != original, "\(from) is not in the fixture")
            let observation = CaddyObservation(admin: Self.admin, live: .config(Data(changed.utf8)))
            let drifted = CaddyChecker().compare(spec, with: observation)
            #expect(drifted.contains { $0.status == .drift }, "\(from) → \(to): \(summary(drifted))")
            if to.hasSuffix("/main.php") {
                // php_fastcgi's try_files is its subdirective in the fix, not a try_files before it.
                let fix = drifted.first { $0.status == .drift }?.fix?.snippet ?? ""
                #expect(fix.contains("\tphp_fastcgi 127.0.0.1:9000 {\n\t\ttry_files {path} {path}/index.php index.php\n\t}"), "\(fix)")
            }
        }
    }

    @Test func aHostileRootAndUpstreamRoundTripExactly() throws {
        let root = "/srv/\"quoted\" dir/${HOME}/new\nline/#hash: x"
        let config = """
            {"apps":{"http":{"servers":{"srv0":{"listen":[":8080"],"routes":[
              {"match":[{"path":["/media/*"]}],"handle":[{"handler":"subroute","routes":[
                {"handle":[{"handler":"rewrite","strip_path_prefix":"/media"}]},
                {"handle":[{"handler":"vars","root":\(Self.json(root))},{"handler":"file_server"}]}]}]},
              {"match":[{"path":["/api/*"]}],"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"127.0.0.1:8000"}]}]}
            ]}}}}}
            """
        let (section, text, findings) = try Self.roundTrip(Data(config.utf8))
        #expect(section.gaps == [])
        #expect(findings.map(\.status) == [.ok, .ok], "\(summary(findings))\n\(text)")
        let spec = try decode(CaddySpec.self, yaml: YAMLWriter.document([YAMLEntry("caddy", try #require(section.value))]))
        guard case .sites(let sites) = spec.desired else { throw TestSupportError("no sites") }
        #expect(sites.first?.routes.first?.handler == .fileServer(root: root))
        #expect(sites.first?.routes.first?.stripPrefix == "/media")
        #expect(
            section.listeners == [
                DiscoveredListener(address: nil, port: 8080, owner: "caddy"),
                DiscoveredListener(address: "127.0.0.1", port: 8000, owner: "an upstream of caddy (/api/*)"),
                DiscoveredListener(address: "127.0.0.1", port: 2019, owner: "caddy admin"),
            ])
    }

    @Test func anUnreadableAdminAPIIsAProblemAndNoSection() {
        let observation = CaddyObservation(admin: Self.admin, live: .failure(AdminFailure(kind: .connectionRefused, message: "refused")))
        let section = CaddyChecker().describe(observation, request: DiscoveryRequest(caddyAdmin: Self.admin), earlier: Discoveries())
        #expect(section.value == nil)
        #expect(section.problems.count == 1)
    }

    static func json(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }
}
