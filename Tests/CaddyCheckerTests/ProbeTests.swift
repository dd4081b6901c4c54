import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// The production stack with an upstream of the test's choosing; `media` is the
/// directive for the media route (`handle_path` or, to break it, `handle`).
func probeSites(upstream: Int, media: String = "handle_path") -> String {
    """
    http://rims.example.com:$PORT0 {
    	handle /api/* {
    		reverse_proxy 127.0.0.1:\(upstream)
    	}
    	\(media) /media/* {
    		root * $DIR/media
    		file_server
    	}
    	handle {
    		root * $DIR/frontend
    		file_server
    	}
    }
    """
}

let probeFiles = [
    "media/avatar-1.txt": "the first avatar\n",
    "media/.hidden": "not this one",
    "frontend/index.html": "<html>frontend</html>\n",
]

func probeManifest(_ caddy: CaddyInstance, upstream: Int, listen: String? = nil) -> String {
    productionManifest(caddy, upstream: "127.0.0.1:\(upstream)", probing: listen ?? caddy.listenURL())
}

/// Probes: real requests through a real Caddy.
@Suite struct ProbeTests {
    @Test func aHealthyStackPassesEveryProbe() async throws {
        let backend = try await offPool { try FixtureHTTPServer() }
        defer { backend.stop() }
        let upstream = try #require(backend.port)
        let caddy = try await startCaddy(probeSites(upstream: upstream), files: probeFiles)
        defer { caddy.stop() }
        let findings = try await check(probeManifest(caddy, upstream: upstream))
        #expect(findings.count == 6, "\(summary(findings))")
        #expect(findings.nonEmptyAllSatisfy { $0.status == .ok }, "\(summary(findings))")
        let probes = findings.filter { $0.message.hasPrefix("probe") }
        #expect(
            probes.map(\.message) == [
                "probe on rims.example.com: GET \(caddy.listenURL())/api/ answered 404 from the upstream",
                "probe on rims.example.com: GET \(caddy.listenURL())/media/avatar-1.txt served \(caddy.scratch.file("media/avatar-1.txt"))",
                "probe on rims.example.com: GET \(caddy.listenURL())/index.html served \(caddy.scratch.file("frontend/index.html"))",
            ])
        // The probe really went through Caddy to the backend, with the site's host.
        #expect(backend.receivedRequests().map(\.path) == ["/api/"])
    }

    @Test func routesFromACaddyfileAreProbedToo() async throws {
        let backend = try await offPool { try FixtureHTTPServer() }
        defer { backend.stop() }
        let upstream = try #require(backend.port)
        let caddy = try await startCaddy(probeSites(upstream: upstream), files: probeFiles)
        defer { caddy.stop() }
        let source = try TemporaryDirectory(prefix: "reconcile-caddy-src")
        try source.write("Caddyfile", try String(contentsOfFile: caddy.caddyfilePath, encoding: .utf8))
        let findings = try await check(
            "caddy:\n  admin: \(caddy.adminURL)\n  caddyfile: Caddyfile\n  probes: true\n  listen: \(caddy.listenURL())\n",
            root: source.path)
        let probes = findings.filter { $0.message.hasPrefix("probe") }
        #expect(probes.map(\.resource) == ["/media/*", "/api/*", "/*"], "\(summary(findings))")
        #expect(findings.count == 6 && findings.nonEmptyAllSatisfy { $0.status == .ok }, "\(summary(findings))")
    }

    @Test func aDownUpstreamIsA502() async throws {
        let dead = try ReservedPort()
        defer { withExtendedLifetime(dead) {} }
        let caddy = try await startCaddy(probeSites(upstream: dead.port), files: probeFiles)
        defer { caddy.stop() }
        let findings = try await check(probeManifest(caddy, upstream: dead.port))
        let drift = findings.filter { $0.status == .drift }
        #expect(drift.count == 1, "\(summary(findings))")
        #expect(drift.first?.resource == "/api/*")
        #expect(
            drift.first?.message
                == "probe on rims.example.com: GET \(caddy.listenURL())/api/ answered 502: Caddy cannot get an answer from the upstream")
    }

    @Test func aMissingPrefixStripFailsTheConfigCheckAndTheProbe() async throws {
        let backend = try await offPool { try FixtureHTTPServer() }
        defer { backend.stop() }
        let upstream = try #require(backend.port)
        let caddy = try await startCaddy(probeSites(upstream: upstream, media: "handle"), files: probeFiles)
        defer { caddy.stop() }
        let findings = try await check(probeManifest(caddy, upstream: upstream))
        let media = findings.filter { $0.resource == "/media/*" }
        #expect(media.map(\.status) == [.drift, .drift], "\(summary(findings))")
        #expect(media[0].message.hasPrefix("a different prefix strip"))
        #expect(
            media[1].message
                == "probe on rims.example.com: GET \(caddy.listenURL())/media/avatar-1.txt answered 404, expected 200 with \(caddy.scratch.file("media/avatar-1.txt"))"
        )
    }

    @Test func nothingListeningIsDriftAndAnUnreadableRootIsUnknown() async throws {
        let caddy = try await startCaddy(probeSites(upstream: 1), files: [:])
        defer { caddy.stop() }
        let dead = try ReservedPort()
        defer { withExtendedLifetime(dead) {} }
        let findings = try await check(probeManifest(caddy, upstream: 1, listen: "http://127.0.0.1:\(dead.port)"))
        let probes = findings.filter { $0.message.hasPrefix("probe") }
        #expect(probes.map(\.status) == [.drift, .unknown, .unknown], "\(summary(findings))")
        #expect(probes[0].severity == .critical)
        #expect(probes[1].message.hasPrefix("probe on rims.example.com not sent: cannot list \(caddy.scratch.file("media"))/"))
    }

    @Test func theVerdictIsPure() {
        let position = SourcePosition(file: "m.yaml", line: 3, column: 5)
        let file = CaddyProbeResult.Purpose.file(localPath: "/srv/media/a.txt", size: 3, digest: fnv1a(Data("abc".utf8)))
        func finding(_ purpose: CaddyProbeResult.Purpose, _ outcome: CaddyProbeResult.Outcome) -> Finding {
            CaddyProbeVerdict.finding(
                CaddyProbeResult(
                    route: PathPattern("/media/*"), hosts: [], url: "http://x/media/a.txt",
                    purpose: purpose, outcome: outcome, position: position))
        }
        #expect(finding(file, .response(status: 200, size: 3, digest: fnv1a(Data("abc".utf8)), excerpt: "abc")).status == .ok)
        let other = finding(file, .response(status: 200, size: 3, digest: fnv1a(Data("xyz".utf8)), excerpt: "xyz"))
        #expect(other.status == .drift)
        #expect(other.message == "probe: GET http://x/media/a.txt answered 200 but not with the bytes of /srv/media/a.txt")
        #expect(finding(.upstream, .response(status: 503, size: 0, digest: 0, excerpt: "")).status == .drift)
        #expect(finding(.upstream, .response(status: 401, size: 0, digest: 0, excerpt: "")).status == .ok)
        #expect(finding(.upstream, .skipped("why")).status == .unknown)
        #expect(finding(.upstream, .failure("refused")).position == position)
    }
}
