import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// Decoding the `caddy:` section: DESIGN.md's shape, extensions, and positioned errors.
@Suite struct SpecTests {
    @Test func designsShapeDecodes() async throws {
        let spec = try await decodeSpec(
            """
            caddy:
              admin: http://127.0.0.1:2019
              sites:
                - hosts: ["${domain}"]
                  routes:
                    - path: /api/*
                      reverse_proxy: ["127.0.0.1:8000"]
                    - path: /media/*
                      strip_prefix: true
                      file_server: { root: "${media}" }
                    - path: /*
                      file_server: { root: /srv/rims/frontend }

            """, variables: "vars:\n  domain: RIMS.example.com\n  media: /srv/rims/media\n")
        #expect(spec.admin.baseURL == "http://127.0.0.1:2019")
        #expect(spec.unmanagedRoutes == .ignore)
        #expect(spec.probes == false)
        guard case .sites(let sites) = spec.desired else {
            Issue.record("expected sites")
            return
        }
        #expect(sites.count == 1)
        #expect(sites[0].hosts == ["rims.example.com"])
        #expect(sites[0].routes.map(\.path.text) == ["/api/*", "/media/*", "/*"])
        #expect(sites[0].routes[0].handler == .reverseProxy(["127.0.0.1:8000"]))
        #expect(sites[0].routes[1].stripPrefix == "/media")
        #expect(sites[0].routes[1].handler == .fileServer(root: "/srv/rims/media"))
        #expect(sites[0].routes[1].position.line == 13)
    }

    @Test func theExtensionsDecode() async throws {
        let spec = try await decodeSpec(
            """
            caddy:
              admin: unix:///run/caddy/admin.sock
              caddyfile: ./deploy/Caddyfile
              unmanaged_routes: report
              probes: true
              listen: http://127.0.0.1:8080

            """)
        #expect(spec.admin.unixSocketPath == "/run/caddy/admin.sock")
        #expect(spec.desired == .caddyfile(path: "deploy/Caddyfile", position: SourcePosition(file: "test.yaml", line: 5, column: 14)))
        #expect(spec.unmanagedRoutes == .report)
        #expect(spec.probes)
        #expect(spec.listen?.baseURL == "http://127.0.0.1:8080")
    }

    @Test func upstreamsAreNormalisedToCaddysDialForm() {
        #expect(CaddyRouteSpec.dialAddress("127.0.0.1:8000") == "127.0.0.1:8000")
        #expect(CaddyRouteSpec.dialAddress("http://LOCALHOST:8000/") == "localhost:8000")
        #expect(CaddyRouteSpec.dialAddress("http://backend") == "backend:80")
        #expect(CaddyRouteSpec.dialAddress("https://backend") == "backend:443")
        #expect(CaddyRouteSpec.dialAddress("backend") == "backend:80")
        #expect(CaddyRouteSpec.dialAddress("unix//run/gunicorn.sock") == "unix//run/gunicorn.sock")
        #expect(CaddyRouteSpec.dialAddress("[::1]:8000") == "[::1]:8000")
        #expect(CaddyRouteSpec.dialAddress("127.0.0.1:99999") == nil)
        #expect(CaddyRouteSpec.dialAddress("ftp://x") == nil)
        #expect(CaddyRouteSpec.dialAddress("http://x/api") == nil)
    }

    @Test func errorsNameTheKeyAndLine() {
        func errors(_ routes: String, extra: String = "") -> [String] {
            decodeErrors("caddy:\n\(extra)  sites:\n    - hosts: [a.example.com]\n      routes:\n\(routes)")
        }
        #expect(
            errors("        - { path: /x/*, file_servr: { root: /a } }\n") == [
                "7:11: caddy.sites[0].routes[0]: a route needs what answers it (one of reverse_proxy, php_fastcgi, file_server, respond, redir, abort, error) or middleware (rewrite, encode, header, basic_auth, forward_auth, try_files, request_body)",
                "7:25: caddy.sites[0].routes[0].file_servr: unknown key 'file_servr'; did you mean 'file_server'? (allowed: path, match, reverse_proxy, php_fastcgi, file_server, respond, redir, abort, error, strip_prefix, rewrite, encode, header, basic_auth, forward_auth, try_files, request_body)",
            ])
        #expect(
            errors("        - { path: /x/*, file_server: {}, reverse_proxy: [a:1] }\n") == [
                "7:11: caddy.sites[0].routes[0]: a route has one handler: give one of reverse_proxy, php_fastcgi, file_server, respond, redir, abort, error"
            ])
        #expect(
            errors("        - { path: /*, strip_prefix: true, file_server: {} }\n") == [
                "7:37: caddy.sites[0].routes[0].strip_prefix: strip_prefix: true strips the path's prefix, but /* has none; use a path like /media/*"
            ])
        #expect(
            errors("        - { path: api/*, reverse_proxy: [a:1] }\n") == [
                "7:19: caddy.sites[0].routes[0].path: 'api/*' is not a Caddy path pattern (it starts with / or *, as in /api/*)"
            ])
        #expect(
            errors("        - { path: /api/*, reverse_proxy: [\"http://a:1/x\"] }\n") == [
                "7:43: caddy.sites[0].routes[0].reverse_proxy[0]: 'http://a:1/x' is not an upstream address; write host:port (127.0.0.1:8000), http://host:port or unix//path"
            ])
        #expect(
            errors("        - { path: /api/*, reverse_proxy: [] }\n") == [
                "7:42: caddy.sites[0].routes[0].reverse_proxy: reverse_proxy needs at least one upstream"
            ])
        #expect(
            errors("        - { path: /a/*, reverse_proxy: [a:1] }\n        - { path: /A/*, reverse_proxy: [a:1] }\n") == [
                "8:11: caddy.sites[0].routes: a second route for /A/* in this site (the first is at line 7)"
            ])
        #expect(
            errors("        - { path: /a/*, reverse_proxy: [a:1] }\n", extra: "  admin: ftp://x\n") == [
                "4:10: caddy.admin: unsupported URL scheme 'ftp' in 'ftp://x'; use http, https, unix"
            ])
        #expect(
            errors("        - { path: /a/*, reverse_proxy: [a:1] }\n", extra: "  unmanaged_routes: reprot\n") == [
                "4:21: caddy.unmanaged_routes: 'reprot' is not one of ignore, report; did you mean 'report'?"
            ])
        #expect(
            errors("        - { path: /a/*, reverse_proxy: [a:1] }\n", extra: "  probes: true\n") == [
                "4:11: caddy.probes: probes: true needs listen: the URL Caddy serves on (e.g. http://127.0.0.1:80)"
            ])
        #expect(
            errors("        - { path: /a/*, reverse_proxy: [a:1] }\n", extra: "  caddyfile: Caddyfile\n") == [
                "4:3: caddy: give either sites: or caddyfile:, not both"
            ])
        #expect(
            decodeErrors("caddy:\n  admin: http://127.0.0.1:2019\n") == [
                "4:3: caddy: missing the desired routes: add sites: (routes written out) or caddyfile: PATH"
            ])
        #expect(
            decodeErrors("caddy:\n  sites:\n    - hosts: [\"a.example.com:443\"]\n      routes: []\n") == [
                "5:15: caddy.sites[0].hosts[0]: 'a.example.com:443': hosts match the Host header without a port; drop the ':port'"
            ])
        #expect(
            decodeErrors("caddy:\n  sites:\n    - routes: []\n    - routes: []\n") == [
                "6:7: caddy.sites: a second site for any host (the first is at line 5); merge their routes, "
                    + "or give each its server's listen: addresses"
            ])
        #expect(
            decodeErrors(
                "caddy:\n  sites:\n    - { listen: [\":80\"], routes: [] }\n    - { listen: [\"0.0.0.0:80\"], routes: [] }\n")
                == ["6:7: caddy.sites: a second site for any host on 0.0.0.0:80 (the first is at line 5); merge their routes"])
    }

    /// Servers that serve the same hosts differently are one site each, told apart by
    /// their listen addresses.
    @Test func oneHostSetOnTwoServersIsTwoSitesByListenAddress() async throws {
        let spec = try await decodeSpec(
            """
            caddy:
              sites:
                - { listen: [":8080"], routes: [{ path: /*, file_server: {} }] }
                - { listen: [":8081"], routes: [{ path: /*, reverse_proxy: ["127.0.0.1:9000"] }] }
            """)
        guard case .sites(let sites) = spec.desired else { throw TestSupportError("no sites") }
        #expect(sites.map(\.listen) == [[":8080"], [":8081"]])
    }
}
