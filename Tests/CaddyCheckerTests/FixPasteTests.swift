import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// A fix must be right where it goes: for every corpus Caddyfile, a realistic drift is
/// made in the running Caddy, reconcile (with the Caddyfile committed as the desired
/// state) suggests fixes, each fix is pasted into its site of the running Caddyfile, the
/// result is adapted by the real `caddy adapt` and `POST /load`ed into the real Caddy,
/// and a real request shows the route answering as desired again (and reconcile finds
/// everything in sync). Upstreams are real HTTP servers, so "answers" means something.
@Suite struct CaddyFixPasteTests {
    /// One request through Caddy and what the desired config answers to it.
    struct Probe: Sendable {
        var host: String
        var path: String
        var port = 0
        var headers: [HTTPHeader] = []
        /// The desired answer: a status, and text the body or a header must contain.
        var status: Int
        var body: String? = nil
        var location: String? = nil
    }

    /// A corpus fixture, a change that makes the running Caddy drift from it, and the probe.
    struct Case: Sendable, CustomTestStringConvertible {
        var fixture: String
        /// Applied to the committed and the running text alike: roots into the test's
        /// directory (with a file to fetch), or a probe hook; never the route under test.
        var setup: [(String, String)] = []
        var drift: (String, String)
        var probe: Probe
        var files: [String: String] = [:]
        var testDescription: String { fixture }
    }

    static let upstreamAnswer = "not found\n"
    static let bobHiccup = "Basic " + Data("Bob:hiccup".utf8).base64EncodedString()

    static let cases: [Case] = [
        Case(
            fixture: "authentik-forward-auth.caddyfile",
            drift: ("reverse_proxy /outpost.goauthentik.io/* http://$UP0", "reverse_proxy /outpost.goauthentik.io/* 127.0.0.1:1"),
            probe: Probe(host: "app.localhost", path: "/outpost.goauthentik.io/start", status: 404, body: upstreamAnswer)),
        Case(
            fixture: "baserow.caddyfile", drift: ("{$PRIVATE_WEB_FRONTEND_URL:$UP1}", "{$PRIVATE_WEB_FRONTEND_URL:127.0.0.1:1}"),
            probe: Probe(host: "localhost", path: "/dashboard", status: 404, body: upstreamAnswer)),
        Case(
            fixture: "caddyserver-website.caddyfile", drift: ("reverse_proxy /api/* $UP0", "reverse_proxy /api/* 127.0.0.1:1"),
            probe: Probe(host: "localhost", path: "/api/x", status: 404, body: upstreamAnswer)),
        Case(
            fixture: "docs-api-and-files.caddyfile", drift: ("reverse_proxy /api/* $UP0", "reverse_proxy /api/* 127.0.0.1:1"),
            probe: Probe(host: "localhost", path: "/api/x", status: 404, body: upstreamAnswer)),
        Case(
            fixture: "docs-back-instance.caddyfile", drift: ("reverse_proxy $UP1", "reverse_proxy 127.0.0.1:1"),
            probe: Probe(host: "bar.localhost", path: "/x", status: 404, body: upstreamAnswer)),
        Case(
            fixture: "docs-basicauth.caddyfile", setup: [("root * /srv", "root * $DIR/srv")], drift: ("\t\tBob ", "\t\tAlice "),
            probe: Probe(
                host: "localhost", path: "/secret/note.txt", headers: [HTTPHeader("Authorization", bobHiccup)], status: 200,
                body: "secret note"),
            files: ["srv/secret/note.txt": "secret note"]),
        Case(
            fixture: "docs-forward-auth-authelia.caddyfile", drift: ("reverse_proxy $UP0\n}", "reverse_proxy 127.0.0.1:1\n}"),
            probe: Probe(host: "auth.localhost", path: "/x", status: 404, body: upstreamAnswer)),
        Case(
            fixture: "docs-php-fpm.caddyfile", setup: [("root * /srv/public", "root * $DIR/public")],
            drift: ("root * $DIR/public", "root * $DIR/elsewhere"),
            probe: Probe(host: "localhost", path: "/style.css", status: 200, body: "body {}"),
            files: ["public/style.css": "body {}"]),
        Case(
            fixture: "docs-reverse-proxy-prefixes.caddyfile",
            drift: ("handle_path /prefix/* {\n\t\treverse_proxy $UP0", "handle_path /prefix/* {\n\t\treverse_proxy 127.0.0.1:1"),
            probe: Probe(host: "localhost", path: "/prefix/x", status: 404, body: upstreamAnswer)),
        Case(
            fixture: "docs-spa-with-api.caddyfile", drift: ("reverse_proxy $UP0", "reverse_proxy 127.0.0.1:1"),
            probe: Probe(host: "localhost", path: "/api/x", status: 404, body: upstreamAnswer)),
        Case(
            fixture: "docs-static-files.caddyfile", setup: [("root * /var/www", "root * $DIR/www")],
            drift: ("root * $DIR/www", "root * $DIR/elsewhere"), probe: Probe(host: "localhost", path: "/a.txt", status: 200, body: "a"),
            files: ["www/a.txt": "a"]),
        Case(
            fixture: "docs-trailing-slash-redir.caddyfile", drift: ("redir /add     /add/", "redir /add     /added/"),
            probe: Probe(host: "localhost", path: "/add", status: 302, location: "/add/")),
        Case(
            // A site of rewrites only answers an empty 200 whatever it rewrites to: the
            // probe hook answers with the rewritten path.
            fixture: "docs-trailing-slash-rewrite.caddyfile",
            setup: [("\trewrite /remove/ /remove\n", "\trewrite /remove/ /remove\n\trespond \"{http.request.uri.path}\" 200\n")],
            drift: ("rewrite /add     /add/", "rewrite /add     /plus/"),
            probe: Probe(host: "localhost", path: "/add", status: 200, body: "/add/")),
        Case(
            fixture: "docs-wildcard-hosts.caddyfile", drift: ("respond \"Foo!\"", "respond \"Fooo!\""),
            probe: Probe(host: "foo.localhost", path: "/", status: 200, body: "Foo!")),
        Case(
            fixture: "docs-www-redirect.caddyfile",
            drift: ("redir http://{labels.1}.{labels.0}{uri}", "redir http://{labels.1}.{labels.0}/moved{uri}"),
            probe: Probe(host: "www.one.localhost", path: "/x", status: 302, location: "http://one.localhost/x")),
        Case(
            fixture: "grav.caddyfile", setup: [("root * .", "root * $DIR/grav")], drift: ("root * $DIR/grav", "root * $DIR/elsewhere"),
            probe: Probe(host: "localhost", path: "/robots.txt", status: 200, body: "User-agent"),
            files: ["grav/robots.txt": "User-agent: *"]),
        Case(
            fixture: "hoppscotch-aio-multiport.caddyfile",
            drift: ("handle {\n\t\treverse_proxy $UP0", "handle {\n\t\treverse_proxy 127.0.0.1:1"),
            probe: Probe(host: "localhost", path: "/graphql", port: 2, status: 404, body: upstreamAnswer)),
        Case(
            fixture: "hoppscotch-aio-subpath.caddyfile", drift: ("reverse_proxy $UP1", "reverse_proxy 127.0.0.1:1"),
            probe: Probe(host: "localhost", path: "/desktop-app-server/x", status: 404, body: upstreamAnswer)),
        Case(
            fixture: "hoppscotch-backend-subpath.caddyfile", drift: ("reverse_proxy $UP0", "reverse_proxy 127.0.0.1:1"),
            probe: Probe(host: "localhost", path: "/x", port: 1, status: 404, body: upstreamAnswer)),
        Case(
            fixture: "inventree.caddyfile",
            drift: ("reverse_proxy {$INVENTREE_SERVER:\"http://$UP0\"} {", "reverse_proxy {$INVENTREE_SERVER:\"http://127.0.0.1:1\"} {"),
            probe: Probe(host: "inventree.localhost", path: "/api/", status: 404, body: upstreamAnswer)),
    ]

    @Test func everyCorpusFixtureHasAPasteCase() {
        #expect(Set(Self.cases.map(\.fixture)) == Set(CaddyCorpusTests.fixtures))
    }

    @Test(arguments: cases)
    func eachSuggestedFixPastedIntoItsSiteMakesTheRouteAnswerAsDesired(_ test: Case) async throws {
        var text = try Fixtures.text("caddy/corpus/\(test.fixture)")
        for (from, to) in test.setup {
            #expect(text.contains(from), "setup: \(from)")
            text = text.replacingOccurrences(of: from, with: to)
        }
        // Real upstreams: an HTTP server for each `$UPn`.
        var upstreams: [FixtureHTTPServer] = []
        for index in 0..<10 where text.contains("$UP\(index)") {
            let server = try await offPool { try FixtureHTTPServer() }
            upstreams.append(server)
            text = text.replacingOccurrences(of: "$UP\(index)", with: "127.0.0.1:\(server.port!)")
        }
        defer { for server in upstreams { server.stop() } }
        let before = Self.resolvingUpstreams(test.drift.0, upstreams)
        #expect(text.contains(before), "drift: \(before)")
        let running = text.replacingOccurrences(of: before, with: test.drift.1)
        #expect(running != text)

        let caddy = try await startCaddy(caddyfile: running, files: test.files)
        defer { caddy.stop() }
        let admin = caddy.adminSocketPath.map { "unix/\($0)" } ?? "127.0.0.1:\(caddy.adminPort)"
        let desired = CaddyInstance.substitute(
            text.replacingOccurrences(of: "$ADMIN", with: admin), ports: caddy.ports, directory: caddy.scratch.path)

        #expect(try await !Self.answersAsDesired(test.probe, caddy), "the drift changes nothing a request sees")
        let drifted = try await CaddyCorpusTests.reconcile(caddy, committing: desired)
        #expect(drifted.status == 2, "\(drifted.stdout)\(drifted.stderr)")
        let fixes = Self.caddyfileFixes(drifted)
        #expect(!fixes.isEmpty, "\(drifted.stdout)")

        var live = try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8)
        for fix in fixes {
            live = try Self.paste(fix, into: live)
        }
        let adapted = await CaddyAdapter.adapt(
            Data(live.utf8), path: "Caddyfile", source: nil, environment: ProcessInfo.processInfo.environment)
        guard case .adapted(let json) = adapted else {
            Issue.record("the pasted Caddyfile does not adapt: \(adapted)\n\(live)")
            return
        }
        try await Self.load(json, into: caddy)

        #expect(try await Self.answersAsDesired(test.probe, caddy), "\(test.fixture) after the fix:\n\(live)")
        let after = try await CaddyCorpusTests.reconcile(caddy, committing: desired)
        #expect(after.status == 0, "\(test.fixture):\n\(after.stdout)")
    }

    static func resolvingUpstreams(_ text: String, _ upstreams: [FixtureHTTPServer]) -> String {
        var result = text
        for (index, server) in upstreams.enumerated().reversed() {
            result = result.replacingOccurrences(of: "$UP\(index)", with: "127.0.0.1:\(server.port!)")
        }
        return result
    }

    /// The distinct Caddyfile snippets of the run's drift findings.
    static func caddyfileFixes(_ run: CLIRun) -> [String] {
        var seen: [String] = []
        for finding in run.findings where finding["status"] as? String == "drift" {
            guard let fix = finding["fix"] as? [String: Any], fix["language"] as? String == "caddyfile",
                let snippet = fix["snippet"] as? String, !seen.contains(snippet)
            else { continue }
            seen.append(snippet)
        }
        return seen
    }

    /// `fix` (a site block) in place of the running file's block for the same addresses.
    static func paste(_ fix: String, into live: String) throws -> String {
        let site = try #require(CaddyfileSites(fix).sites.first, "a fix that is no site block: \(fix)")
        let target = try #require(
            CaddyfileSites(live).sites.first { $0.hosts == site.hosts && !Set($0.ports).isDisjoint(with: site.ports) },
            "no site \(site.address) in the running Caddyfile")
        var lines = live.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.replaceSubrange((target.lines.lowerBound - 1)...(target.lines.upperBound - 1), with: [fix])
        return lines.joined(separator: "\n")
    }

    static func load(_ json: Data, into caddy: CaddyInstance) async throws {
        var request = try HTTPEndpoint(parsing: caddy.adminURL).request("/load", method: "POST")
        request.body = json
        request.headers = [HTTPHeader("Content-Type", "application/json")]
        request.timeout = .seconds(60)
        let response = try await HTTPClient(policy: .apply).send(request)
        #expect(response.status == 200, "POST /load: \(response.status) \(response.bodyText)")
    }

    static func answersAsDesired(_ probe: Probe, _ caddy: CaddyInstance) async throws -> Bool {
        var request = HTTPRequest(url: caddy.listenURL(probe.port) + probe.path)
        request.headers = [HTTPHeader("Host", probe.host)] + probe.headers
        // Generous: a loaded machine (bcrypt in basic auth, six builds at once) is slow, not wrong.
        request.timeout = .seconds(60)
        let response = try await HTTPClient(policy: .readOnly).send(request)
        guard response.status == probe.status else { return false }
        if let body = probe.body, !response.bodyText.contains(body) { return false }
        if let location = probe.location, response.header("Location") != location { return false }
        return true
    }
}
