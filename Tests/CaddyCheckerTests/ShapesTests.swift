import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// Every route shape issue 14 names, written in a manifest's `caddy.sites` and compared
/// with a real Caddy: named matchers (host inside a wildcard site, method, header, not,
/// remote_ip, protocol, path_regexp), redir, rewrite, respond, abort and error, encode, header,
/// basic auth, forward_auth, php_fastcgi, try_files, request_body, and two servers on
/// two ports. The same manifest is in sync with the Caddyfile it describes, and every
/// one of its routes is drift against a Caddy where that shape was changed.
@Suite struct CaddyShapesTests {
    static let basicAuthHash = "JDJhJDEwJEVCNmdaNEg2Ti5iejRMYkF3MFZhZ3VtV3E1SzBWZEZ5Q3VWc0tzOEJwZE9TaFlZdEVkZDhX"

    /// The Caddyfile the manifest describes; `drifted` changes every shape of it.
    static func caddyfile(drifted: Bool) -> String {
        func pick(_ desired: String, _ other: String) -> String { drifted ? other : desired }
        return """
            {
            \tadmin $ADMIN
            \tauto_https off
            }

            http://*.shapes.localhost:$PORT0 {
            \t@foo host foo.shapes.localhost
            \thandle @foo {
            \t\trespond "\(pick("Foo!", "Foo?"))" 200
            \t}
            \t@api {
            \t\tpath /api/*
            \t\tmethod GET POST
            \t\theader X-Key abc
            \t\tnot remote_ip 10.0.0.0/8
            \t\tprotocol http
            \t}
            \thandle @api {
            \t\theader X-Api \(pick("yes", "no"))
            \t\treverse_proxy $UP0
            \t}
            \t@old path_regexp ^/old/[0-9]+$
            \tredir @old \(pick("/new", "/newer")) 301
            \trewrite /add \(pick("/add/", "/add/index.html"))
            \tencode \(pick("gzip zstd", "gzip"))
            \theader /static/* Cache-Control "\(pick("max-age=3600", "no-store"))"
            \tbasicauth /secret/* {
            \t\t\(pick("Bob", "Alice")) \(basicAuthHash)
            \t}
            \trequest_body /upload/* {
            \t\tmax_size \(pick("10MB", "20MB"))
            \t}
            \thandle /php/* {
            \t\t\(pick("php_fastcgi", "reverse_proxy")) $UP1
            \t}
            \thandle /app/* {
            \t\tforward_auth $UP2 {
            \t\t\turi \(pick("/auth", "/auth2"))
            \t\t}
            \t\ttry_files {path} \(pick("/index.html", "/other.html"))
            \t\troot * /srv/app
            \t\tfile_server
            \t}
            \thandle /gone {
            \t\t\(pick("abort", "respond 410"))
            \t}
            \thandle /private/* {
            \t\terror \(pick("403", "404"))
            \t}
            \thandle {
            \t\trespond "\(pick("fallback", "fallback, changed"))" 404
            \t}
            }

            http://other.localhost:\(pick("$PORT1", "$PORT0")) {
            \trespond /health "ok" 200
            }

            """
    }

    /// The manifest naming every shape of `caddyfile(drifted: false)`.
    static func manifest(_ caddy: CaddyInstance, dropping: String? = nil) -> String {
        let up = caddy.upstreams
        return """
            apiVersion: reconcile/v1
            kind: Environment
            name: shapes
            caddy:
              admin: \(caddy.adminURL)
              sites:
                - hosts: ["*.shapes.localhost"]
                  listen: [":\(caddy.ports[0])"]
                  routes:
                    - { path: /*, match: { host: [foo.shapes.localhost] }, respond: { status: 200, body: "Foo!" } }
                    - path: /api/*
                      match: { method: [post, GET], header: { x-key: abc }, not: { remote_ip: [10.0.0.0/8] }, protocol: http }
                      header: { X-Api: "yes" }
                      reverse_proxy: ["\(up[0])"]
                    - { path: /*, match: { path_regexp: "^/old/[0-9]+$" }, redir: { to: /new, status: 301 } }
                    - { path: /add, rewrite: /add/ }
                    - { path: /*, encode: [zstd, gzip] }
                    - { path: /static/*, header: { Cache-Control: max-age=3600 } }
                    - { path: /secret/*, basic_auth: [Bob] }
                    - { path: /upload/*, request_body: { max_size: 10MB } }
                    - { path: /php/*, php_fastcgi: ["\(up[1])"] }
                    - path: /app/*
                      forward_auth: { upstream: "http://\(up[2])", uri: /auth }
                      try_files: ["{path}", /index.html]
                      file_server: { root: /srv/app }
                    - { path: /gone, abort: true }
                    - { path: /private/*, error: { status: 403 } }
                    - { path: /*, respond: { status: 404, body: fallback } }
                - hosts: [other.localhost]
                  listen: [":\(caddy.ports[1])"]
                  routes:
                    - { path: /health, respond: { body: ok } }

            """
    }

    static let routeCount = 14

    static func run(_ caddy: CaddyInstance) async throws -> CLIRun {
        let repo = try await makeConfigRepository(["manifests/shapes.yaml": manifest(caddy)])
        return try await runReconcile(repo: repo.path, manifest: "manifests/shapes.yaml")
    }

    @Test func everyShapeIsInSyncWithTheCaddyfileItDescribes() async throws {
        let caddy = try await startCaddy(caddyfile: Self.caddyfile(drifted: false), portCount: 2)
        defer { caddy.stop() }
        let run = try await Self.run(caddy)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.caddy.count == Self.routeCount, "\(run.caddy)")
        #expect(run.caddy.allSatisfy { $0.hasPrefix("ok ") }, "\(run.stdout)")
    }

    @Test func everyShapeChangedLiveIsDrift() async throws {
        let caddy = try await startCaddy(caddyfile: Self.caddyfile(drifted: true), portCount: 2)
        defer { caddy.stop() }
        let run = try await Self.run(caddy)
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.caddy.count == Self.routeCount, "\(run.caddy)")
        #expect(run.caddy.allSatisfy { $0.hasPrefix("drift ") }, "\(run.stdout)")
        let messages = run.findings.compactMap { $0["message"] as? String }.joined(separator: "\n")
        for expected in [
            "a different response: expected respond \"Foo!\" 200, live respond \"Foo?\" 200",
            "a different header X-Api: expected yes, live no",
            "a different response: expected redir /new 301, live redir /newer 301",
            "a different rewrite: expected /add/, live /add/index.html",
            "a different encode: expected gzip zstd, live gzip",
            "a different header Cache-Control: expected max-age=3600, live no-store",
            "a different basic_auth accounts: expected Bob, live Alice",
            "a different request_body max_size: expected 10MB (10000000 bytes), live 20000000 bytes",
            "a different forward_auth uri: expected /auth, live /auth2",
            "a different try_files: expected {path} /index.html",
            "a different handler: expected abort, live respond 410",
            "a different response: expected error 403, live error 404",
            "no site block serves other.localhost on :\(caddy.ports[1])",
        ] {
            #expect(messages.contains(expected), "\(expected)\n\(messages)")
        }
        // php_fastcgi is not a plain reverse_proxy: the plain one in its place is drift.
        #expect(run.message(of: "/php/*")?.contains("missing route") == true, "\(messages)")
    }

    /// What `reconcile discover` writes for a live route (`CaddyManifestEntry`) reads back
    /// as the same route: the live config written as a manifest is in sync with itself.
    @Test func everyShapeWrittenFromTheLiveConfigReadsBackInSync() async throws {
        let caddy = try await startCaddy(caddyfile: Self.caddyfile(drifted: false), portCount: 2)
        defer { caddy.stop() }
        let table = try CaddyConfigNormalizer.normalize(try await liveConfig(caddy))
        var manifest = "apiVersion: reconcile/v1\nkind: Environment\nname: written\ncaddy:\n  admin: \(caddy.adminURL)\n  sites:\n"
        var written = 0
        for site in table.sites {
            let analysis = table.analysis(of: site)
            var keys: Set<String> = []
            var entries: [String] = []
            for (index, route) in analysis.view.enumerated()
            where route.hosts == site.hosts && (route.kind == .middleware || analysis.shadower(of: index) == nil)
                && keys.insert(route.pairingKey).inserted
            {
                guard let entry = CaddyManifestEntry.yaml(for: route) else { continue }
                entries.append(entry.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n"))
            }
            let hosts = site.hosts.map { "\"\($0)\"" }.joined(separator: ", ")
            let listen = table.listen(of: site.server).map { "\"\($0)\"" }.joined(separator: ", ")
            manifest += "    - hosts: [\(hosts)]\n      listen: [\(listen)]\n      routes:\n" + entries.joined(separator: "\n") + "\n"
            written += entries.count
        }
        #expect(written >= Self.routeCount, "\(manifest)")
        for shape in [
            "match: {", "php_fastcgi:", "redir:", "abort: true", "error: { status: 403 }", "rewrite:", "encode:", "header:", "basic_auth:",
            "forward_auth:", "try_files:", "request_body:", "respond:", "listen:",
        ] {
            #expect(manifest.contains(shape), "\(shape) is not written:\n\(manifest)")
        }
        let repo = try await makeConfigRepository(["manifests/written.yaml": manifest])
        let run = try await runReconcile(repo: repo.path, manifest: "manifests/written.yaml")
        #expect(run.status == 0, "\(manifest)\n\(run.stdout)\(run.stderr)")
        #expect(run.caddy.count == written && run.caddy.allSatisfy { $0.hasPrefix("ok ") }, "\(run.stdout)")
    }

    /// With a Caddyfile as the desired state, a handler nothing models (load balancing, a
    /// `templates` middleware) is compared as JSON, and the difference names its path.
    @Test func anUnmodelledHandlerDiffersAtItsJSONPath() async throws {
        let caddy = try await startCaddy(caddyfile: try Fixtures.text("caddy/corpus/docs-reverse-proxy-prefixes.caddyfile"))
        defer { caddy.stop() }
        let live = try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8)
        let policy = try await CaddyCorpusTests.reconcile(
            caddy, committing: live.replacingOccurrences(of: "lb_policy header X-My-Header", with: "lb_policy round_robin"))
        #expect(policy.status == 2, "\(policy.stdout)")
        let message = try #require(policy.message(of: "/api/*"), "\(policy.stdout)")
        #expect(message.contains("reverse_proxy differs at /config/apps/http/servers/srv0/routes/0/handle/0/routes/"), "\(message)")
        #expect(message.contains("/load_balancing/selection_policy/"), "\(message)")

        let website = try await startCaddy(caddyfile: try Fixtures.text("caddy/corpus/caddyserver-website.caddyfile"))
        defer { website.stop() }
        let text = try String(contentsOfFile: website.caddyfilePath, encoding: .utf8)
        let templates = try await CaddyCorpusTests.reconcile(
            website, committing: text.replacingOccurrences(of: "templates # markdown", with: "# markdown"))
        #expect(templates.status == 2, "\(templates.stdout)")
        let all = templates.findings.compactMap { $0["message"] as? String }
        #expect(all.contains { $0.contains("unexpected middleware templates") && $0.contains("/config/apps/http/servers/srv0/") }, "\(all)")
    }
}
