import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// Snippets and `import` through a Caddyfile committed in git, on a real Caddy: a route
/// whose text lives in a snippet (with and without arguments: `{args.0}`, the spelling of
/// Debian's Caddy 2.6; `{args[0]}` came with 2.7) or in an imported file is
/// compared like any other, and its fix quotes that snippet or file with where it lives,
/// so pasting it there makes the route answer as desired again.
@Suite struct CaddyfileImportDriftTests {
    /// The committed Caddyfile (`deploy/Caddyfile`): two snippets, each imported by two
    /// sites, a glob import inside a site and a file of a whole site imported at the top.
    static let caddyfile = """
        {
        	admin $ADMIN
        	auto_https off
        }

        (proxy) {
        	reverse_proxy {args.0}
        }

        (static) {
        	handle_path /static/* {
        		root * $DIR/static
        		file_server
        	}
        }

        http://one.localhost:$PORT0 {
        	import static
        	handle /api/* {
        		import proxy $UP0
        	}
        	import sites/*.caddy
        }

        http://two.localhost:$PORT0 {
        	import static
        	handle /api/* {
        		import proxy $UP1
        	}
        }

        import extra/three.caddy

        """

    static let imported = [
        "sites/media.caddy": "handle_path /media/* {\n\troot * $DIR/media\n\tfile_server\n}\n",
        "extra/three.caddy": "http://three.localhost:$PORT0 {\n\treverse_proxy $UP2\n}\n",
    ]

    /// Files the roots serve (not part of the configuration).
    static let served = ["static/a.txt": "static a", "media/m.txt": "media m"]

    /// A change made to the running Caddy's files (`file` below the Caddyfile's directory),
    /// what reconcile must say about it, and the request that shows it fixed.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var file = "Caddyfile"
        var drift: (String, String)
        /// The drifted resource and the hosts of its findings.
        var resource: String
        var hosts: [String]
        /// Text every fix summary of the resource contains (`PORT`: the site's port).
        var summary: [String]
        /// The headers of the fix's pieces, in order.
        var pieces: [String]
        var probe: CaddyFixPasteTests.Probe
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "a snippet without arguments", drift: ("root * $DIR/static", "root * $DIR/elsewhere"), resource: "/static/*",
            hosts: ["one.localhost", "two.localhost"],
            summary: [
                "The route comes from the snippet (static) at deploy/Caddyfile:10-15, imported at deploy/Caddyfile:18, "
                    + "deploy/Caddyfile:26; directive 1 (`import static`, deploy/Caddyfile:"
            ],
            pieces: [
                "# deploy/Caddyfile:10-15: snippet \\(static\\)",
                "# deploy/Caddyfile:(18-18|26-26): directive 1 of site http://(one|two).localhost:PORT: import static",
            ],
            probe: .init(host: "two.localhost", path: "/static/a.txt", status: 200, body: "static a")),
        Case(
            name: "a snippet with arguments, changed in the snippet", drift: ("reverse_proxy {args.0}", "reverse_proxy 127.0.0.1:1"),
            resource: "/api/*", hosts: ["one.localhost", "two.localhost"],
            summary: [
                "The route comes from the snippet (proxy) at deploy/Caddyfile:6-8, imported at deploy/Caddyfile:20, "
                    + "deploy/Caddyfile:28; directive 2 (`handle /api/*`, deploy/Caddyfile:"
            ],
            pieces: [
                "# deploy/Caddyfile:6-8: snippet \\(proxy\\)",
                "# deploy/Caddyfile:(19-21|27-29): directive 2 of site http://(one|two).localhost:PORT: handle /api/\\*",
            ],
            probe: .init(host: "one.localhost", path: "/api/x", status: 404, body: CaddyFixPasteTests.upstreamAnswer)),
        Case(
            name: "a snippet with arguments, changed in the argument", drift: ("import proxy $UP1", "import proxy 127.0.0.1:1"),
            resource: "/api/*", hosts: ["two.localhost"],
            summary: [
                "The route comes from the snippet (proxy) at deploy/Caddyfile:6-8",
                "directive 2 (`handle /api/*`, deploy/Caddyfile:27-29) of the site block http://two.localhost:PORT "
                    + "(deploy/Caddyfile:25-30), and nothing else of the site differs from the commit",
            ],
            pieces: [
                "# deploy/Caddyfile:6-8: snippet \\(proxy\\)",
                "# deploy/Caddyfile:27-29: directive 2 of site http://two.localhost:PORT: handle /api/\\*",
            ],
            probe: .init(host: "two.localhost", path: "/api/x", status: 404, body: CaddyFixPasteTests.upstreamAnswer)),
        Case(
            name: "a file imported by a glob inside a site", file: "sites/media.caddy",
            drift: ("root * $DIR/media", "root * $DIR/elsewhere"), resource: "/media/*", hosts: ["one.localhost"],
            summary: [
                "The route comes from the file deploy/sites/media.caddy, imported at deploy/Caddyfile:22; directive 3 "
                    + "(`import sites/*.caddy`, deploy/Caddyfile:22-22) of the site block http://one.localhost:PORT"
            ],
            pieces: [
                "# deploy/sites/media.caddy:1-4: the whole file",
                "# deploy/Caddyfile:22-22: directive 3 of site http://one.localhost:PORT: import sites/\\*\\.caddy",
            ],
            probe: .init(host: "one.localhost", path: "/media/m.txt", status: 200, body: "media m")),
        Case(
            name: "a file of a whole site imported at the top", file: "extra/three.caddy",
            drift: ("reverse_proxy $UP2", "reverse_proxy 127.0.0.1:1"), resource: "/*", hosts: ["three.localhost"],
            summary: [
                "The route comes from directive 1 (`reverse_proxy ",
                "of the site block http://three.localhost:PORT (deploy/extra/three.caddy:1-3)",
            ],
            pieces: ["# deploy/extra/three.caddy:2-2: directive 1 of site http://three.localhost:PORT: reverse_proxy .*"],
            probe: .init(host: "three.localhost", path: "/x", status: 404, body: CaddyFixPasteTests.upstreamAnswer)),
    ]

    /// A running Caddy, the upstreams behind it, and the committed texts (placeholders
    /// resolved) by path below `deploy/`.
    struct Stack {
        var caddy: CaddyInstance
        var upstreams: [FixtureHTTPServer]
        var committed: [String: String]

        func stop() {
            caddy.stop()
            for upstream in upstreams { upstream.stop() }
        }

        /// The built reconcile with `committed` in a git repository as the desired state.
        func reconcile() async throws -> CLIRun {
            let files = Dictionary(uniqueKeysWithValues: committed.map { ("deploy/\($0.key)", $0.value) })
            let repo = try await caddyfileRepository(caddy, files: files)
            return try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml")
        }
    }

    /// Starts Caddy on the committed files with `drift` made in `file` of the running copy.
    static func start(drifting file: String? = nil, _ drift: (String, String)? = nil) async throws -> Stack {
        var upstreams: [FixtureHTTPServer] = []
        for _ in 0..<3 { upstreams.append(try await offPool { try FixtureHTTPServer() }) }
        var texts = imported.merging(["Caddyfile": caddyfile]) { first, _ in first }
        for (index, upstream) in upstreams.enumerated() {
            texts = texts.mapValues { $0.replacingOccurrences(of: "$UP\(index)", with: "127.0.0.1:\(upstream.port!)") }
        }
        var running = texts
        if let file, let drift {
            let from = CaddyFixPasteTests.resolvingUpstreams(drift.0, upstreams)
            #expect(running[file]?.contains(from) == true, "drift: \(from)")
            running[file] = running[file]?.replacingOccurrences(of: from, with: drift.1)
        }
        let caddy = try await startCaddy(
            caddyfile: running["Caddyfile"] ?? "", files: running.filter { $0.key != "Caddyfile" }.merging(served) { a, _ in a })
        return Stack(caddy: caddy, upstreams: upstreams, committed: texts.mapValues(caddy.committed))
    }

    @Test func snippetsAndImportsRunningAsCommittedAreInSync() async throws {
        let stack = try await Self.start()
        defer { stack.stop() }
        let run = try await stack.reconcile()
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(
            Set(run.caddy) == ["ok /static/*", "ok /api/*", "ok /media/*", "ok /*"] && run.caddy.count == 6,
            "\(run.caddy)\n\(run.stdout)")
    }

    @Test(arguments: cases)
    func aDriftInAnImportedPieceIsFixedByPastingThatPieceWhereItLives(_ test: Case) async throws {
        let stack = try await Self.start(drifting: test.file, test.drift)
        defer { stack.stop() }
        let caddy = stack.caddy
        #expect(try await !CaddyFixPasteTests.answersAsDesired(test.probe, caddy), "the drift changes nothing a request sees")

        let drifted = try await stack.reconcile()
        #expect(drifted.status == 2, "\(drifted.stdout)\(drifted.stderr)")
        let findings = drifted.findings.filter { $0["status"] as? String == "drift" }
        #expect(Set(findings.compactMap { $0["resource"] as? String }) == [test.resource], "\(drifted.stdout)")
        let messages = findings.compactMap { $0["message"] as? String }
        #expect(
            messages.count == test.hosts.count && test.hosts.allSatisfy { host in messages.contains { $0.hasSuffix(" on \(host)") } },
            "\(drifted.stdout)")
        let port = String(caddy.ports[0])
        for finding in findings {
            #expect(finding["expected"] as? String != nil && finding["observed"] as? String != nil, "\(finding)")
            #expect(finding["expected"] as? String != finding["observed"] as? String)
            let fix = finding["fix"] as? [String: Any] ?? [:]
            let summary = fix["summary"] as? String ?? ""
            for part in test.summary {
                #expect(summary.contains(part.replacingOccurrences(of: "PORT", with: port)), "\(summary)")
            }
            let headers = (fix["snippet"] as? String ?? "").split(separator: "\n").filter { $0.hasPrefix("# deploy/") }
            #expect(headers.count == test.pieces.count, "\(fix)")
            for (header, pattern) in zip(headers, test.pieces) {
                let regex = try Regex(pattern.replacingOccurrences(of: "PORT", with: port))
                #expect(try regex.wholeMatch(in: String(header)) != nil, "\(header) is not \(pattern)")
            }
        }

        // Paste every fix where it says, into the running files, as a person would.
        let running = try await CaddyFixPasteTests.pasteAndLoad(
            CaddyFixPasteTests.caddyfileFixes(drifted), into: caddy, imported: Array(Self.imported.keys))
        #expect(try await CaddyFixPasteTests.answersAsDesiredAfterLoad(test.probe, caddy), "after the fix:\n\(running)")
        let after = try await stack.reconcile()
        #expect(after.status == 0, "\(after.stdout)")
    }
}

/// What Caddy cannot answer about a snippet's routes is answered conservatively.
@Suite struct CaddyfileOriginsTests {
    /// Emptying a snippet that defines a matcher its site uses does not adapt: then the
    /// snippet is counted as an origin of every route, never left out of a fix.
    @Test func aSnippetThatCannotBeEmptiedIsQuotedInTheFix() async throws {
        let committed = """
            (api) {
            	@api path /api/*
            }

            http://one.localhost:$PORT0 {
            	import api
            	reverse_proxy @api 127.0.0.1:9
            	respond "one"
            }

            """
        let caddy = try await startCaddy(committed.replacingOccurrences(of: "respond \"one\"", with: "respond \"two\""))
        defer { caddy.stop() }
        let live = try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8)
        let source = try TemporaryDirectory(prefix: "reconcile-caddy-src")
        try source.write("deploy/Caddyfile", live.replacingOccurrences(of: "respond \"two\"", with: "respond \"one\""))
        let findings = try await check(
            "caddy:\n  admin: \(caddy.adminURL)\n  caddyfile: deploy/Caddyfile\n", root: source.path)
        let drift = findings.filter { $0.status == .drift }
        #expect(drift.count == 1, "\(summary(findings))")
        let snippet = try #require(drift.first?.fix?.snippet)
        #expect(
            snippet.hasPrefix("# deploy/Caddyfile:6-8: snippet (api)\n(api) {\n\t@api path /api/*\n}\n\n# deploy/Caddyfile:10-"),
            "\(snippet)")
    }
}

/// An import the commit cannot satisfy is an error naming the file and line, and nothing
/// outside the repository is ever read.
@Suite struct CaddyfileImportErrorTests {
    @Test func anImportOfAFileMissingAtTheCommitIsAnErrorNamingFileAndLineEvenWhenTheWorkingTreeHasIt() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let repo = try await caddyfileRepository(
            caddy,
            files: [
                "deploy/Caddyfile": ":80 {\n\timport sites/gone.caddy\n}\n", "deploy/sites/gone.caddy": "respond \"committed once\"\n",
            ])
        try await offPool {
            try repo.commit(["deploy/sites/gone.caddy": nil], message: "remove the imported file")
            try repo.write("deploy/sites/gone.caddy", "respond \"only in the working tree\"\n")
        }
        let result = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml")
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        let message = try #require(result.findings.first { $0["resource"] as? String == "deploy/Caddyfile" }?["observed"] as? String)
        #expect(
            message.hasPrefix("deploy/Caddyfile:2: import sites/gone.caddy: deploy/sites/gone.caddy is not in the repository at this ref"),
            "\(message)")
        #expect(!result.stdout.contains("only in the working tree"))
    }

    @Test(arguments: ["../../etc/*", "../*", "sites/../../etc/pass*"])
    func aGlobThatWouldLeaveTheRepositoryIsRefusedNamingFileAndLine(_ pattern: String) async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let repo = try await caddyfileRepository(
            caddy, files: ["deploy/Caddyfile": "{\n\tauto_https off\n}\n\n:80 {\n\timport \(pattern)\n}\n"])
        let result = try await runReconcile(repo: repo.path, manifest: "manifests/edge.yaml")
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stdout.contains("deploy/Caddyfile:6: import \(pattern) refused: '..' leaves the Caddyfile's directory"),
            "\(result.stdout)")
        #expect(!result.stdout.contains("root:x:0") && !result.stderr.contains("root:x:0"))
    }
}
