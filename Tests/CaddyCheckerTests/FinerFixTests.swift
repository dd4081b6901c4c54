import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// A Caddyfile route's fix is its own statements when everything that differs in its
/// site comes from them, and the whole site otherwise; either way, pasted where it says
/// on a real Caddy, the route answers as desired.
@Suite struct CaddyFinerFixTests {
    static let committed = """
        {
        	admin $ADMIN
        	auto_https off
        }

        http://localhost:$PORT0 {
        	root * $DIR/www
        	encode gzip
        	handle /health {
        		respond "ok" 200
        	}
        	handle /ready {
        		respond "ready" 200
        	}
        	file_server
        }

        """

    /// Runs Caddy on `running`, reconciles it with `committed` in git, pastes every fix
    /// into the running Caddyfile, loads it, and returns the fixes' piece headers; each
    /// probe must fail before and answer as desired after, each of `unchanged` answer as
    /// desired before and after.
    static func pasteFixes(
        running: String, probes: [CaddyFixPasteTests.Probe], unchanged: [CaddyFixPasteTests.Probe] = []
    ) async throws -> [String] {
        let caddy = try await startCaddy(caddyfile: running, files: ["www/a.txt": "a"])
        defer { caddy.stop() }
        let desired = caddy.committed(committed)
        for probe in probes {
            #expect(try await !CaddyFixPasteTests.answersAsDesired(probe, caddy), "\(probe.path) answers as desired already")
        }
        for probe in unchanged {
            #expect(try await CaddyFixPasteTests.answersAsDesired(probe, caddy), "\(probe.path) before the fix")
        }
        let drifted = try await CaddyCorpusTests.reconcile(caddy, committing: desired)
        #expect(drifted.status == 2, "\(drifted.stdout)\(drifted.stderr)")
        let fixes = CaddyFixPasteTests.caddyfileFixes(drifted)
        let files = try await CaddyFixPasteTests.pasteAndLoad(fixes, into: caddy)
        for probe in probes + unchanged {
            #expect(try await CaddyFixPasteTests.answersAsDesiredAfterLoad(probe, caddy), "\(probe.path) after the fix:\n\(files)")
        }
        let after = try await CaddyCorpusTests.reconcile(caddy, committing: desired)
        #expect(after.status == 0, "\(after.stdout)")
        let port = String(caddy.ports[0])
        return fixes.flatMap { $0.split(separator: "\n").filter { $0.hasPrefix("# deploy/") } }
            .map { $0.replacingOccurrences(of: port, with: "PORT") }
    }

    /// The running site has another `handle` in its place: the missing one goes in
    /// before it, never over it.
    @Test func aDirectiveTheRunningSiteLacksIsInsertedInItsPlace() async throws {
        let running = Self.committed.replacingOccurrences(of: "\thandle /health {\n\t\trespond \"ok\" 200\n\t}\n", with: "")
        #expect(running != Self.committed)
        let headers = try await Self.pasteFixes(
            running: running, probes: [.init(host: "localhost", path: "/health", status: 200, body: "ok")],
            unchanged: [.init(host: "localhost", path: "/ready", status: 200, body: "ready")])
        #expect(headers == ["# deploy/Caddyfile:9-11: directive 3 of site http://localhost:PORT: handle /health"], "\(headers)")
    }

    /// A route the commit lacks differs elsewhere in the site: only the whole site
    /// removes it.
    @Test func aSiteWithARouteTheCommitLacksGetsTheWholeSite() async throws {
        let running = Self.committed.replacingOccurrences(
            of: "\t\trespond \"ok\" 200\n\t}\n", with: "\t\trespond \"bad\" 200\n\t}\n\thandle /debug/* {\n\t\trespond \"debug\" 200\n\t}\n"
        )
        #expect(running != Self.committed)
        let headers = try await Self.pasteFixes(
            running: running,
            probes: [
                .init(host: "localhost", path: "/health", status: 200, body: "ok"),
                .init(host: "localhost", path: "/debug/x", status: 404),
            ])
        #expect(headers == ["# deploy/Caddyfile:6-16: site http://localhost:PORT"], "\(headers)")
    }

    /// Caddy's site-wide middleware of one path acts as one route: a live directive the
    /// commit lacks shows only as an extra handler in it, and only the whole site
    /// removes it (pasting `encode gzip` again would leave it).
    @Test func middlewareTheCommitLacksInASharedPathGetsTheWholeSite() async throws {
        let running = Self.committed.replacingOccurrences(of: "\tencode gzip\n", with: "\tencode gzip\n\trewrite * /a.txt\n")
        #expect(running != Self.committed)
        let headers = try await Self.pasteFixes(
            running: running, probes: [.init(host: "localhost", path: "/ready", status: 200, body: "ready")])
        #expect(headers == ["# deploy/Caddyfile:6-16: site http://localhost:PORT"], "\(headers)")
    }
}
