import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker

/// DESIGN.md's `caddy:` section (vars substituted).
let productionSection = """
    caddy:
      admin: http://127.0.0.1:2019
      sites:
        - hosts: ["rims.example.com"]
          routes:
            - path: /api/*
              reverse_proxy: ["127.0.0.1:8000"]
            - path: /media/*
              strip_prefix: true
              file_server: { root: "/srv/rims/media" }
            - path: /*
              file_server: { root: /srv/rims/frontend }

    """

/// Compares `section` with a recorded fixture as the live config.
func compare(_ section: String, live fixture: String) async throws -> [Finding] {
    let spec = try await decodeSpec(section)
    return compare(spec, admin: spec.admin.description, live: .config(try fixtureJSON(fixture)))
}

/// Compares `spec` with what the admin API at `admin` answered and the Caddyfile's outcome.
func compare(_ spec: CaddySpec, admin: String = "x", live: AdminOutcome, caddyfile: CaddyfileOutcome? = nil) -> [Finding] {
    CaddyChecker().compare(spec, with: CaddyObservation(admin: admin, live: live, caddyfile: caddyfile))
}

/// The comparison, pure, on JSON recorded from real Caddy.
@Suite struct ComparisonTests {
    @Test func theProductionManifestMatchesTheProductionCaddyfile() async throws {
        let findings = try await compare(productionSection, live: "production")
        #expect(findings.map(\.resource) == ["/api/*", "/media/*", "/*"])
        #expect(findings.nonEmptyAllSatisfy { $0.status == .ok }, "\(findings.map(\.message))")
        #expect(findings[1].message == "in sync on rims.example.com: strip /media → file_server root /srv/rims/media")
        #expect(findings[1].position?.line == 10)
    }

    @Test func aWrongRootIsDriftWithTheHandlePathBlockAndTheRootsJSONPath() async throws {
        let section = productionSection.replacingOccurrences(of: "/srv/rims/media", with: "/srv/rims/uploads")
        let finding = try #require(try await compare(section, live: "production").first { $0.resource == "/media/*" })
        #expect(finding.status == .drift)
        #expect(finding.message == "a different root: expected /srv/rims/uploads, live /srv/rims/media on rims.example.com")
        #expect(finding.expected == "strip /media → file_server root /srv/rims/uploads")
        #expect(finding.observed == "strip /media → file_server root /srv/rims/media")
        #expect(finding.fix?.snippet == "handle_path /media/* {\n\troot * /srv/rims/uploads\n\tfile_server\n}")
        #expect(finding.fix?.language == "caddyfile")
        #expect(
            finding.fix?.summary.contains(
                "/config/apps/http/servers/srv0/routes/0/handle/0/routes/0/handle/0/routes/1/handle/0/root") == true)
    }

    @Test func wrongUpstreamsAreComparedAsASet() async throws {
        let section = productionSection.replacingOccurrences(
            of: #"["127.0.0.1:8000"]"#, with: #"["127.0.0.1:8001", "http://127.0.0.1:8000"]"#)
        let finding = try #require(try await compare(section, live: "production").first { $0.resource == "/api/*" })
        #expect(finding.status == .drift)
        #expect(
            finding.message.hasPrefix(
                "different upstreams: expected 127.0.0.1:8000 127.0.0.1:8001, live 127.0.0.1:8000 (missing 127.0.0.1:8001)"))
        #expect(finding.fix?.snippet == "handle /api/* {\n\treverse_proxy 127.0.0.1:8000 127.0.0.1:8001\n}")
        #expect(finding.fix?.summary.contains("routes/1/handle/0/routes/0/handle/0/upstreams") == true)

        // The same upstreams in another order are in sync.
        let reordered = productionSection.replacingOccurrences(
            of: #"reverse_proxy: ["127.0.0.1:8000"]"#, with: #"reverse_proxy: ["http://127.0.0.1:8000"]"#)
        #expect(try await compare(reordered, live: "production").nonEmptyAllSatisfy { $0.status == .ok })
    }

    @Test func aMissingRouteSaysWhichRouteAnswersInstead() async throws {
        let section =
            productionSection + """
                        - path: /static/*
                          strip_prefix: true
                          file_server: { root: /srv/static }

                """
        let finding = try #require(try await compare(section, live: "production").first { $0.resource == "/static/*" })
        #expect(finding.status == .drift)
        #expect(
            finding.message
                == "missing route on rims.example.com: no route for /static/*; its requests go to /* (file_server root /srv/rims/frontend)")
        #expect(finding.fix?.snippet == "handle_path /static/* {\n\troot * /srv/static\n\tfile_server\n}")
        #expect(finding.fix?.summary.contains("/config/apps/http/servers/srv0/routes/0/handle/0/routes") == true)
    }

    @Test func aMissingHandlePathIsAPrefixStripDifference() async throws {
        let section = productionSection.replacingOccurrences(of: "          strip_prefix: true\n", with: "")
        let finding = try #require(try await compare(section, live: "production").first { $0.resource == "/media/*" })
        #expect(finding.status == .drift)
        #expect(finding.message == "a different prefix strip: live strips /media, expected no strip on rims.example.com")
        #expect(finding.fix?.snippet == "handle /media/* {\n\troot * /srv/rims/media\n\tfile_server\n}")
    }

    @Test func aDifferentHandler() async throws {
        let section = productionSection.replacingOccurrences(
            of: #"reverse_proxy: ["127.0.0.1:8000"]"#, with: #"file_server: { root: /srv/api }"#)
        let finding = try #require(try await compare(section, live: "production").first { $0.resource == "/api/*" })
        #expect(
            finding.message
                == "a different handler: expected file_server root /srv/api, live reverse_proxy 127.0.0.1:8000 on rims.example.com")
    }

    @Test func aShadowedRouteIsUnreachableEvenWithTheRightHandler() async throws {
        let section = """
            caddy:
              sites:
                - hosts: [shadow.example.com]
                  routes:
                    - path: /media/*
                      file_server: { root: /srv/media }
                    - path: /*
                      reverse_proxy: ["127.0.0.1:9000"]

            """
        let findings = try await compare(section, live: "shadowed")
        let media = try #require(findings.first { $0.resource == "/media/*" })
        #expect(media.status == .drift)
        #expect(
            media.message
                == "shadowed route on shadow.example.com: /media/* can never be reached, because the earlier, broader route /* (reverse_proxy 127.0.0.1:9000) answers all of its requests first"
        )
        #expect(
            media.fix?.snippet == "handle /media/* {\n\troot * /srv/media\n\tfile_server\n}\nhandle {\n\treverse_proxy 127.0.0.1:9000\n}")
        #expect(findings.first { $0.resource == "/*" }?.status == .ok)
    }

    @Test func aMergedSecondHandleForTheSamePathIsShadowed() async throws {
        let section = """
            caddy:
              sites:
                - routes:
                    - path: /*
                      file_server: { root: /srv/never }

            """
        let finding = try #require(try await compare(section, live: "shadowed").first)
        // The any-host site of srv1 answers /* with its proxy first.
        #expect(finding.status == .drift)
        #expect(finding.message.contains("a different handler: expected file_server root /srv/never, live reverse_proxy 127.0.0.1:9001"))
    }

    @Test func multipleSitesArePairedByHosts() async throws {
        let section = """
            caddy:
              sites:
                - hosts: [a.example.com, www.a.example.com]
                  routes:
                    - { path: /api/*, reverse_proxy: ["127.0.0.1:8000"] }
                    - { path: /*, file_server: { root: /srv/a } }
                - hosts: [b.example.com]
                  routes:
                    - { path: /*, reverse_proxy: ["127.0.0.1:9999"] }
                - hosts: [admin.example.com]
                  routes:
                    - { path: /media/*, strip_prefix: true, file_server: { root: /srv/admin-media } }
                    - { path: /api/*, reverse_proxy: ["127.0.0.1:8100"] }
                - hosts: [c.example.com]
                  routes:
                    - { path: /*, reverse_proxy: ["127.0.0.1:7000"] }

            """
        let findings = try await compare(section, live: "multi-site")
        #expect(findings.count == 6)
        #expect(findings.filter { $0.status == .ok }.count == 4)
        let b = findings[2]
        #expect(b.status == .drift && b.message.hasSuffix("on b.example.com"))
        // c.example.com has no site of its own: the catch-all site answers it.
        let c = findings[5]
        #expect(c.status == .drift)
        #expect(
            c.message
                == "a different handler: expected reverse_proxy 127.0.0.1:7000, live respond \"no such site\" 404 on c.example.com (served by the site for any host)"
        )
    }

    @Test func aSiteNobodyServesMakesEveryRouteMissing() async throws {
        let section = """
            caddy:
              sites:
                - hosts: [nowhere.example.com]
                  routes:
                    - { path: /api/*, reverse_proxy: ["127.0.0.1:8000"] }

            """
        let finding = try #require(try await compare(section, live: "production").first)
        #expect(finding.status == .drift)
        #expect(finding.message == "missing route on nowhere.example.com: no site block serves nowhere.example.com")
        #expect(finding.fix?.snippet == "nowhere.example.com {\n\thandle /api/* {\n\t\treverse_proxy 127.0.0.1:8000\n\t}\n}")
    }

    @Test func unmanagedRoutesAreReportedOnlyWhenAskedFor() async throws {
        let only = """
            caddy:
              unmanaged_routes: UNMANAGED
              sites:
                - hosts: [rims.example.com]
                  routes:
                    - { path: /api/*, reverse_proxy: ["127.0.0.1:8000"] }

            """
        let ignored = try await compare(only.replacingOccurrences(of: "UNMANAGED", with: "ignore"), live: "production")
        #expect(ignored.map(\.status) == [.ok])
        let reported = try await compare(only.replacingOccurrences(of: "UNMANAGED", with: "report"), live: "production")
        #expect(reported.map(\.resource) == ["/api/*", "/media/*", "/*"])
        #expect(reported[1].status == .drift && reported[1].severity == .warning)
        #expect(reported[1].message == "unmanaged route on rims.example.com: a route the manifest does not name")
        #expect(reported[1].fix?.snippet == "- path: /media/*\n  strip_prefix: true\n  file_server: { root: \"/srv/rims/media\" }")
    }

    @Test func anUnreachableAdminAPIIsUnknownWithAHintNeverOK() async throws {
        let spec = try await decodeSpec(productionSection)
        let findings = compare(
            spec, admin: "http://127.0.0.1:2019",
            live: .failure(AdminFailure(kind: .connectionRefused, message: "Failed to connect to 127.0.0.1 port 2019")))
        #expect(findings.count == 1)
        #expect(findings[0].status == .unknown)
        #expect(findings[0].resource == "admin")
        #expect(findings[0].fix?.summary.contains("admin off") == true)
    }

    @Test func anAdminAPIAnsweringSomethingElseIsUnknown() async throws {
        let spec = try await decodeSpec(productionSection)
        let notJSON = compare(spec, admin: "http://x", live: .config(Data("<html>hello</html>".utf8)))
        #expect(notJSON.map(\.status) == [.unknown])
        let error = compare(spec, admin: "http://x", live: .failure(AdminFailure(kind: .httpStatus, message: "HTTP 403", status: 403)))
        #expect(error.map(\.status) == [.unknown])
    }

    @Test func aConfigOfTheWrongShapeIsUnknownNotNoSites() async throws {
        let spec = try await decodeSpec(productionSection)
        for json in [#"{"apps": {"http": {"servers": []}}}"#, #"{"apps": {"http": {"servers": "srv0"}}}"#] {
            let findings = compare(spec, live: .config(Data(json.utf8)))
            #expect(findings.map(\.status) == [.unknown], "\(json)")
            #expect(findings.first?.observed?.contains("apps.http.servers is a") == true)
            #expect(findings.first?.message.contains("not a Caddy config") == true)
        }
    }

    @Test func aCaddyWithoutConfigMissesEveryRoute() async throws {
        let spec = try await decodeSpec(productionSection)
        let findings = compare(spec, live: .config(Data("null\n".utf8)))
        #expect(findings.count == 3)
        #expect(findings.nonEmptyAllSatisfy { $0.status == .drift })
    }

    @Test func caddyfileRoutesCompareEverythingTheNormaliserKeeps() async throws {
        let spec = try await decodeSpec("caddy:\n  caddyfile: deploy/Caddyfile\n")
        func run(desired: String, live: String) throws -> [Finding] {
            compare(
                spec, live: .config(try fixtureJSON(live)),
                caddyfile: CaddyfileOutcome(path: "deploy/Caddyfile", result: .adapted(try fixtureJSON(desired))))
        }
        let same = try run(desired: "production", live: "production.live")
        #expect(same.count == 3 && same.nonEmptyAllSatisfy { $0.status == .ok })

        let conditional = try run(desired: "conditional", live: "conditional")
        #expect(conditional.nonEmptyAllSatisfy { $0.status == .ok }, "\(conditional.map(\.message))")
        #expect(conditional.contains { $0.resource == "/health" })

        let large = try run(desired: "large", live: "large")
        #expect(large.count == 402 && large.nonEmptyAllSatisfy { $0.status == .ok })

        let different = try run(desired: "nested", live: "production")
        #expect(different.contains { $0.status == .drift && $0.resource == "/files/*" })
    }

    @Test func liveRoutesTheCaddyfileLacksAreReportedWhenAskedFor() async throws {
        let spec = try await decodeSpec("caddy:\n  caddyfile: Caddyfile\n  unmanaged_routes: report\n")
        let findings = compare(
            spec, live: .config(try fixtureJSON("multi-site")),
            caddyfile: CaddyfileOutcome(path: "Caddyfile", result: .adapted(try fixtureJSON("production"))))
        // rims.example.com is served by the any-host site there; everything else is unmanaged.
        let unmanaged = findings.filter { $0.severity == .warning }
        #expect(unmanaged.count == 5, "\(summary(findings))")
        #expect(unmanaged.nonEmptyAllSatisfy { $0.status == .drift && $0.message.hasPrefix("unmanaged route") })
        #expect(
            unmanaged.contains {
                $0.resource == "/media/*" && $0.message == "unmanaged route on admin.example.com: a site the manifest does not name"
            })
    }

    @Test func anUnadaptableCaddyfileMakesTheDesiredRoutesUnknown() async throws {
        let spec = try await decodeSpec("caddy:\n  caddyfile: deploy/Caddyfile\n")
        let findings = compare(
            spec, live: .config(try fixtureJSON("production")),
            caddyfile: CaddyfileOutcome(path: "deploy/Caddyfile", result: .failed("deploy/Caddyfile:3: unknown directive")))
        #expect(findings.map(\.status) == [.unknown])
        #expect(findings[0].resource == "deploy/Caddyfile")
    }
}
