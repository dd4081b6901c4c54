import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// The production stack's Caddyfile, on a free port, with roots in the instance's dir.
let productionSites = probeSites(upstream: 8000)

/// The manifest section that matches `productionSites` for `caddy`, probing through
/// `listen` when given.
func productionManifest(
    _ caddy: CaddyInstance, media: String? = nil, upstream: String = "127.0.0.1:8000", probing listen: String? = nil
) -> String {
    let probes = listen.map { "\n  probes: true\n  listen: \($0)" } ?? ""
    return """
        caddy:
          admin: \(caddy.adminURL)\(probes)
          sites:
            - hosts: [rims.example.com]
              routes:
                - path: /api/*
                  reverse_proxy: ["\(upstream)"]
                - path: /media/*
                  strip_prefix: true
                  file_server: { root: "\(media ?? caddy.scratch.file("media"))" }
                - path: /*
                  file_server: { root: "\(caddy.scratch.file("frontend"))" }

        """
}

/// Every shape of the issue's point 2 in one running Caddy, over three sites on two
/// servers: host matchers, handle groups and plain routes, handle_path and uri
/// strip_prefix, nested subroutes, a site-level root, reverse_proxy outside any handle,
/// a catch-all handle, a path-scoped root.
let allShapesSites = """
    http://app.example.com:$PORT0, http://www.app.example.com:$PORT0 {
    	root * $DIR/site
    	reverse_proxy /api/* 127.0.0.1:8001 127.0.0.1:8002
    	handle_path /media/* {
    		handle /thumbs/* {
    			root * $DIR/thumbs
    			file_server
    		}
    		root * $DIR/media
    		file_server
    	}
    	handle /static/* {
    		uri strip_prefix /static
    		file_server
    	}
    	root /docs/* $DIR/docs
    	file_server
    }

    http://other.example.com:$PORT0 {
    	route {
    		reverse_proxy /rpc/* unix//run/rpc.sock
    		file_server
    	}
    }

    :$PORT1 {
    	handle /health {
    		respond "ok" 200
    	}
    	handle {
    		reverse_proxy 127.0.0.1:9000
    	}
    }
    """

func allShapesManifest(_ caddy: CaddyInstance) -> String {
    let dir = caddy.scratch.path
    return """
        caddy:
          admin: \(caddy.adminURL)
          unmanaged_routes: report
          sites:
            - hosts: [www.app.example.com, app.example.com]
              routes:
                - { path: /api/*, reverse_proxy: ["127.0.0.1:8002", "127.0.0.1:8001"] }
                - { path: /media/thumbs/*, strip_prefix: /media, file_server: { root: \(dir)/thumbs } }
                - { path: /media/*, strip_prefix: true, file_server: { root: \(dir)/media } }
                - { path: /static/*, strip_prefix: true, file_server: { root: \(dir)/site } }
                - { path: /docs/*, file_server: { root: \(dir)/docs } }
                - { path: /*, file_server: { root: \(dir)/site } }
            - hosts: [other.example.com]
              routes:
                - { path: /rpc/*, reverse_proxy: [unix//run/rpc.sock] }
                - { path: /*, file_server: {} }
            - routes:
                - { path: /*, reverse_proxy: ["127.0.0.1:9000"] }

        """
}

/// A manifest section of one route for any host, reading Caddy's config from `admin`.
func anyHostSection(admin: String) -> String {
    "caddy:\n  admin: \(admin)\n  sites:\n    - routes: [{ path: /*, file_server: {} }]\n"
}

/// The checker against a real Caddy (Debian's caddy, on free loopback ports).
@Suite struct LiveCaddyTests {
    /// With the admin API on TCP, and on a unix socket.
    @Test(arguments: [false, true])
    func aMatchingManifestHasNoDrift(adminSocket: Bool) async throws {
        let caddy = try await startCaddy(productionSites, adminSocket: adminSocket)
        defer { caddy.stop() }
        #expect(caddy.adminURL.hasPrefix("unix:///") == adminSocket)
        let findings = try await check(productionManifest(caddy))
        #expect(findings.map(\.resource) == ["/api/*", "/media/*", "/*"])
        #expect(findings.nonEmptyAllSatisfy { $0.status == .ok }, "\(summary(findings))")
    }

    @Test func everyShapeOfTheConfigIsUnderstoodLive() async throws {
        let caddy = try await startCaddy(allShapesSites, portCount: 2)
        defer { caddy.stop() }
        let findings = try await check(allShapesManifest(caddy))
        // The any-host site's /health is live but not in the manifest: reported, as asked.
        let drift = findings.filter { $0.status != .ok }
        #expect(drift.map(\.resource) == ["/health"], "\(summary(findings))")
        #expect(drift.first?.severity == .warning)
        #expect(findings.filter { $0.status == .ok }.count == 9, "\(summary(findings))")
    }

    @Test func aMissingRouteIsDrift() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let section =
            productionManifest(caddy) + """
                        - path: /admin/*
                          reverse_proxy: ["127.0.0.1:8000"]

                """
        let findings = try await check(section)
        let drift = findings.filter { $0.status == .drift }
        #expect(drift.map(\.resource) == ["/admin/*"], "\(summary(findings))")
        #expect(drift.first?.message.hasPrefix("missing route on rims.example.com") == true)
    }

    @Test func aWrongRootIsDrift() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let findings = try await check(productionManifest(caddy, media: "/srv/rims/media"))
        let drift = findings.filter { $0.status == .drift }
        #expect(drift.map(\.resource) == ["/media/*"], "\(summary(findings))")
        #expect(drift.first?.message.hasPrefix("a different root: expected /srv/rims/media, live \(caddy.scratch.path)/media") == true)
    }

    @Test func aWrongUpstreamIsDrift() async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let findings = try await check(productionManifest(caddy, upstream: "127.0.0.1:8080"))
        let drift = findings.filter { $0.status == .drift }
        #expect(drift.map(\.resource) == ["/api/*"], "\(summary(findings))")
        #expect(drift.first?.fix?.snippet == "handle /api/* {\n\treverse_proxy 127.0.0.1:8080\n}")
    }

    @Test func aShadowedRouteIsDrift() async throws {
        let caddy = try await startCaddy(
            """
            http://rims.example.com:$PORT0 {
            	route {
            		reverse_proxy /* 127.0.0.1:8000
            		file_server /media/* {
            			root $DIR/media
            		}
            	}
            }
            """)
        defer { caddy.stop() }
        let findings = try await check(
            """
            caddy:
              admin: \(caddy.adminURL)
              sites:
                - hosts: [rims.example.com]
                  routes:
                    - { path: /media/*, file_server: { root: "\(caddy.scratch.file("media"))" } }
                    - { path: /*, reverse_proxy: ["127.0.0.1:8000"] }

            """)
        #expect(findings.map(\.status) == [.drift, .ok], "\(summary(findings))")
        #expect(findings[0].resource == "/media/*")
        #expect(findings[0].message.hasPrefix("shadowed route on rims.example.com: /media/* can never be reached"))
    }

    @Test func driftInOneOfSeveralSitesNamesThatSite() async throws {
        let caddy = try await startCaddy(allShapesSites, portCount: 2)
        defer { caddy.stop() }
        let section = allShapesManifest(caddy).replacingOccurrences(of: "unix//run/rpc.sock", with: "127.0.0.1:7000")
        let drift = try await check(section).filter { $0.status == .drift && $0.severity == .error }
        #expect(drift.map(\.resource) == ["/rpc/*"])
        #expect(drift.first?.message.hasSuffix("on other.example.com") == true)
    }

    @Test func anUnreachableAdminEndpointIsUnknownNeverOK() async throws {
        let reserved = try ReservedPort()
        let port = reserved.port
        defer { withExtendedLifetime(reserved) {} }
        let findings = try await check(anyHostSection(admin: "http://127.0.0.1:\(port)"))
        #expect(findings.map(\.status) == [.unknown])
        #expect(findings[0].message.hasPrefix("cannot read Caddy's config from http://127.0.0.1:\(port)"))
        #expect(findings[0].fix?.summary.contains("admin off") == true)

        let missingSocket = try await check(anyHostSection(admin: "unix:///nonexistent/caddy-admin.sock"))
        #expect(missingSocket.map(\.status) == [.unknown])
    }

    /// Caddy swaps its admin server after every config change, resetting a read that
    /// meets the swap: a reset read is asked once more (the real Caddy's config, served by
    /// a server that resets the first connections), and a second reset is `unknown`.
    @Test(arguments: [(1, Status.ok), (2, .unknown)])
    func aReadWhoseConnectionIsResetIsAskedOnceMore(resets: Int, status: Status) async throws {
        let caddy = try await startCaddy(productionSites)
        defer { caddy.stop() }
        let config = try caddy.scratch.write("live.json", String(decoding: try await liveConfig(caddy), as: UTF8.self))
        let server = try await offPool { try FixtureHTTPServer(serving: ["/config/": config], resettingFirst: resets) }
        defer { server.stop() }
        let findings = try await check(productionManifest(caddy).replacingOccurrences(of: caddy.adminURL, with: server.baseURL))
        #expect(findings.count == (status == .ok ? 3 : 1), "\(summary(findings))")
        #expect(findings.nonEmptyAllSatisfy { $0.status == status }, "\(summary(findings))")
        #expect(server.receivedRequests().map(\.path) == ["/config/", "/config/"])
    }

    @Test func somethingElseAnsweringOnTheAdminAddressIsUnknown() async throws {
        let server = try await offPool { try FixtureHTTPServer() }
        defer { server.stop() }
        let findings = try await check(anyHostSection(admin: server.baseURL))
        #expect(findings.map(\.status) == [.unknown], "\(summary(findings))")
    }
}
