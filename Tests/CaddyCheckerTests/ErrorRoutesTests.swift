import Foundation
import TestSupport
import Testing

/// `handle_errors` is what answers when a route fails: a Django site's 500 page while
/// Gunicorn is down, a maintenance page. Its routes live apart from the server's routes
/// (`servers.NAME.errors.routes`); a Caddyfile desired state compares them, and discover
/// says the manifest cannot write them instead of claiming every live route is written.
@Suite struct CaddyErrorRoutesTests {
    /// The shape of a real Django deployment's Caddyfile: the app behind a proxy, and
    /// its static 500 page when the proxy fails.
    static let sites = """
        http://localhost:$PORT0 {
        \treverse_proxy $UP0
        \thandle_errors {
        \t\troot * $DIR/pages
        \t\trewrite * /500.html
        \t\tfile_server
        \t}
        }

        """

    @Test func aChangedErrorPageIsDriftAgainstTheCommittedCaddyfile() async throws {
        let caddy = try await startCaddy(Self.sites, files: ["pages/500.html": "down for maintenance\n"])
        defer { caddy.stop() }
        let caddyfile = try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8)
        let port = caddy.ports[0]
        let inSync = try await CaddyCorpusTests.reconcile(caddy, committing: caddyfile)
        #expect(inSync.status == 0, "\(inSync.stdout)\(inSync.stderr)")
        #expect(inSync.caddy.contains("ok handle_errors on :\(port)"), "\(inSync.caddy)")

        let live = String(decoding: try await liveConfig(caddy), as: UTF8.self)
        #expect(live.contains("\"uri\":\"/500.html\""), "\(live)")
        try await CaddyFixPasteTests.load(Data(live.replacingOccurrences(of: "/500.html", with: "/oops.html").utf8), into: caddy)
        let drifted = try await CaddyCorpusTests.reconcile(caddy, committing: caddyfile)
        #expect(drifted.status == 2, "\(drifted.caddy)\n\(drifted.stdout)")
        #expect(drifted.caddy.contains("drift handle_errors on :\(port)"), "\(drifted.caddy)")
        let message = drifted.message(of: "handle_errors on :\(port)") ?? ""
        #expect(message.contains("/errors/routes/") && message.contains("/oops.html"), "\(message)")
        let fix = drifted.findings.first { $0["resource"] as? String == "handle_errors on :\(port)" }?["fix"] as? [String: Any]
        let snippet = fix?["snippet"] as? String ?? ""
        #expect(snippet.contains("# deploy/Caddyfile:") && snippet.contains("rewrite * /500.html"), "\(snippet)")

        // Error handling taken away altogether is drift too.
        let bare = try JSONSerialization.jsonObject(with: Data(live.utf8)) as? [String: Any]
        var apps = bare?["apps"] as? [String: Any]
        var http = apps?["http"] as? [String: Any]
        var servers = http?["servers"] as? [String: Any] ?? [:]
        for (name, value) in servers {
            var server = value as? [String: Any]
            server?["errors"] = nil
            servers[name] = server
        }
        http?["servers"] = servers
        apps?["http"] = http
        var config = bare ?? [:]
        config["apps"] = apps
        try await CaddyFixPasteTests.load(try JSONSerialization.data(withJSONObject: config), into: caddy)
        let removed = try await CaddyCorpusTests.reconcile(caddy, committing: caddyfile)
        #expect(removed.status == 2 && removed.caddy.contains("drift handle_errors on :\(port)"), "\(removed.caddy)")
    }

    @Test func discoverNamesErrorRoutesItCannotWrite() async throws {
        let caddy = try await startCaddy(Self.sites, files: ["pages/500.html": "down for maintenance\n"])
        defer { caddy.stop() }
        let scratch = try TemporaryDirectory(prefix: "reconcile-discover")
        let output = scratch.file("edge.yaml")
        let discovered = try await offPool {
            try run(TestPaths.reconcileBinary, ["discover", "--caddy", caddy.adminURL, "--name", "errors", "-o", output])
        }
        let manifest = try String(contentsOfFile: output, encoding: .utf8)
        #expect(discovered.status == 0, "\(discovered.stderr)")
        #expect(manifest.contains("# NOT EXPRESSIBLE YET (caddy): handle_errors on :\(caddy.ports[0])"), "\(manifest)")
        #expect(discovered.stderr.contains("handle_errors on :\(caddy.ports[0])"), "\(discovered.stderr)")
        // The routes that answer requests are all written: a route added later is still drift.
        #expect(manifest.contains("unmanaged_routes: \"report\""), "\(manifest)")
    }
}
