import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// A fix must be right where it goes: for every corpus Caddyfile, a realistic drift is
/// made in the running Caddy, reconcile (with the Caddyfile committed as the desired
/// state) suggests fixes, each fix is pasted where it says in the running Caddyfile, the
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

    /// The route's upstream `$UPn` in `text` moved to a dead address: the upstream's own
    /// answer is the desired one.
    static func upstreamMoved(_ fixture: String, _ text: String, host: String = "localhost", path: String, port: Int = 0)
        -> Case
    {
        Case(
            fixture: fixture, drift: (text, text.replacing(/\$UP\d/, with: "127.0.0.1:1")),
            probe: Probe(host: host, path: path, port: port, status: 404, body: upstreamAnswer))
    }

    /// The site's `root` moved into the test's `directory` (holding `file`), then elsewhere:
    /// the file is the desired answer.
    static func rootMoved(_ fixture: String, root: String, into directory: String, file: String, contents: String) -> Case {
        Case(
            fixture: fixture, setup: [("root * \(root)", "root * $DIR/\(directory)")],
            drift: ("root * $DIR/\(directory)", "root * $DIR/elsewhere"),
            probe: Probe(host: "localhost", path: "/\(file)", status: 200, body: contents),
            files: ["\(directory)/\(file)": contents])
    }

    static let cases: [Case] = [
        upstreamMoved(
            "authentik-forward-auth.caddyfile", "reverse_proxy /outpost.goauthentik.io/* http://$UP0", host: "app.localhost",
            path: "/outpost.goauthentik.io/start"),
        upstreamMoved("baserow.caddyfile", "{$PRIVATE_WEB_FRONTEND_URL:$UP1}", path: "/dashboard"),
        upstreamMoved("caddyserver-website.caddyfile", "reverse_proxy /api/* $UP0", path: "/api/x"),
        upstreamMoved("docs-api-and-files.caddyfile", "reverse_proxy /api/* $UP0", path: "/api/x"),
        upstreamMoved("docs-back-instance.caddyfile", "reverse_proxy $UP1", host: "bar.localhost", path: "/x"),
        Case(
            fixture: "docs-basicauth.caddyfile", setup: [("root * /srv", "root * $DIR/srv")], drift: ("\t\tBob ", "\t\tAlice "),
            probe: Probe(
                host: "localhost", path: "/secret/note.txt", headers: [HTTPHeader("Authorization", bobHiccup)], status: 200,
                body: "secret note"),
            files: ["srv/secret/note.txt": "secret note"]),
        upstreamMoved("docs-forward-auth-authelia.caddyfile", "reverse_proxy $UP0\n}", host: "auth.localhost", path: "/x"),
        rootMoved("docs-php-fpm.caddyfile", root: "/srv/public", into: "public", file: "style.css", contents: "body {}"),
        upstreamMoved(
            "docs-reverse-proxy-prefixes.caddyfile", "handle_path /prefix/* {\n\t\treverse_proxy $UP0", path: "/prefix/x"),
        upstreamMoved("docs-spa-with-api.caddyfile", "reverse_proxy $UP0", path: "/api/x"),
        rootMoved("docs-static-files.caddyfile", root: "/var/www", into: "www", file: "a.txt", contents: "a"),
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
        rootMoved("grav.caddyfile", root: ".", into: "grav", file: "robots.txt", contents: "User-agent: *"),
        upstreamMoved("hoppscotch-aio-multiport.caddyfile", "handle {\n\t\treverse_proxy $UP0", path: "/graphql", port: 2),
        upstreamMoved("hoppscotch-aio-subpath.caddyfile", "reverse_proxy $UP1", path: "/desktop-app-server/x"),
        upstreamMoved("hoppscotch-backend-subpath.caddyfile", "reverse_proxy $UP0", path: "/x", port: 1),
        upstreamMoved(
            "inventree.caddyfile", "reverse_proxy {$INVENTREE_SERVER:\"http://$UP0\"} {", host: "inventree.localhost",
            path: "/api/"),
    ]

    @Test func everyCorpusFixtureHasAPasteCase() {
        #expect(Set(Self.cases.map(\.fixture)) == Set(CaddyCorpusTests.fixtures))
    }

    @Test(arguments: cases)
    func eachSuggestedFixPastedWhereItSaysMakesTheRouteAnswerAsDesired(_ test: Case) async throws {
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
        let desired = caddy.committed(text)

        #expect(try await !Self.answersAsDesired(test.probe, caddy), "the drift changes nothing a request sees")
        let drifted = try await CaddyCorpusTests.reconcile(caddy, committing: desired)
        #expect(drifted.status == 2, "\(drifted.stdout)\(drifted.stderr)")
        let fixes = Self.caddyfileFixes(drifted)
        #expect(!fixes.isEmpty, "\(drifted.stdout)")
        // Each drift is confined to one directive of its site: the fix is that directive
        // (with what it needs, such as the site's `root` or a named matcher), not the site.
        let pieces = fixes.flatMap { $0.split(separator: "\n").filter { $0.hasPrefix("# deploy/") } }
        #expect(pieces.allSatisfy { $0.contains(": directive ") }, "\(pieces)")

        let pasted = try await Self.pasteAndLoad(fixes, into: caddy)

        #expect(try await Self.answersAsDesiredAfterLoad(test.probe, caddy), "\(test.fixture) after the fix:\n\(pasted)")
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

    /// Pastes each fix where it says into the running Caddyfile (and the `imported` files
    /// beside it, written back for `caddy adapt` to read), adapts the result with the real
    /// `caddy adapt` and `POST /load`s it; returns the pasted files by path.
    static func pasteAndLoad(_ fixes: [String], into caddy: CaddyInstance, imported: [String]? = nil) async throws
        -> [String: String]
    {
        var files: [String: String] = [:]
        for path in ["Caddyfile"] + (imported ?? []) {
            files[path] = try String(contentsOfFile: caddy.scratch.file(path), encoding: .utf8)
        }
        for fix in fixes {
            try CaddyfilePaste.paste(fix, into: &files, main: "deploy/Caddyfile")
        }
        if imported != nil {
            for (path, text) in files { try caddy.scratch.write(path, text) }
        }
        let adapted = try await adaptCaddyfile(files["Caddyfile"] ?? "", root: imported.map { _ in caddy.scratch.path })
        try await load(try adapted.json("the pasted Caddyfile does not adapt: \(files)\n"), into: caddy)
        return files
    }

    /// `POST /load` of `json` (sent again when the connection broke before an answer: the
    /// same config loaded twice is loaded once).
    static func load(_ json: Data, into caddy: CaddyInstance) async throws {
        let answer = try await sendToAdmin(caddy, "/load", method: "POST", json: json)
        #expect(answer.status == 200, "POST /load: \(answer.status) \(answer.bodyText)")
    }

    /// Whether the probe answers as desired once Caddy has switched to a config just
    /// loaded: asked until it does, for up to a minute. Caddy hands its listener from the
    /// old server to the new one after `POST /load` answered, and a connection caught in
    /// between is answered by the old config or reset; a wrong fix never answers as desired.
    static func answersAsDesiredAfterLoad(_ probe: Probe, _ caddy: CaddyInstance) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if (try? await answersAsDesired(probe, caddy)) == true { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    static func answersAsDesired(_ probe: Probe, _ caddy: CaddyInstance) async throws -> Bool {
        var request = HTTPRequest(url: caddy.listenURL(probe.port) + probe.path)
        // A connection of its own: one kept from a probe before `POST /load` could still
        // be served by the old config while Caddy shuts that server down.
        request.headers = [HTTPHeader("Host", probe.host), HTTPHeader("Connection", "close")] + probe.headers
        // Generous: a loaded machine (bcrypt in basic auth, six builds at once) is slow, not wrong.
        request.timeout = .seconds(60)
        let response = try await HTTPClient(policy: .readOnly).send(request)
        guard response.status == probe.status else { return false }
        if let body = probe.body, !response.bodyText.contains(body) { return false }
        if let location = probe.location, response.header("Location") != location { return false }
        return true
    }
}
