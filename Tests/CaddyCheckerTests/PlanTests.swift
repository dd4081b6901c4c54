import Foundation
import ReconcileKit
import Testing

@testable import CaddyChecker

/// Plans `section` against a recorded fixture: the admin requests of each drift
/// finding's action ("METHOD path body"), or "manual: …".
func planned(_ section: String, live fixture: String) async throws -> [String: [String]] {
    let spec = try await decodeSpec(section)
    let observation = CaddyObservation(
        admin: spec.admin.description, live: .config(try fixtureJSON(fixture)), liveETag: "\"/config/ 1\"")
    let findings = CaddyChecker().compare(spec, with: observation)
    var result: [String: [String]] = [:]
    for (index, remedy) in CaddyChecker().plan(spec, observation: observation, findings: findings) {
        switch remedy {
        case .manual(let reason):
            result[findings[index].resource] = ["manual: " + reason]
        case .action(let action):
            let fix = try JSONDecoder().decode(CaddyFix.self, from: Data(action.payload.utf8))
            #expect(fix.etag == "\"/config/ 1\"", "the ETag of the compared config goes with the action")
            result[findings[index].resource] = fix.edits.map { "\($0.method) \($0.path) \($0.body ?? "")" }
        }
    }
    return result
}

/// The plan, pure, on JSON recorded from real Caddy: which part of the live config each
/// repair touches.
@Suite struct PlanTests {
    static let site = "/config/apps/http/servers/srv0/routes/0/handle/0/routes"

    @Test func aWrongRootIsPatchedAtThePathTheFindingNames() async throws {
        let section = productionSection.replacingOccurrences(of: "/srv/rims/media", with: "/srv/rims/uploads")
        #expect(
            try await planned(section, live: "production") == [
                "/media/*": [#"PATCH \#(Self.site)/0/handle/0/routes/1/handle/0/root "/srv/rims/uploads""#]
            ])
    }

    @Test func upstreamsAreReplacedAsAList() async throws {
        let section = productionSection.replacingOccurrences(of: #"["127.0.0.1:8000"]"#, with: #"["127.0.0.1:8001"]"#)
        #expect(
            try await planned(section, live: "production") == [
                "/api/*": [#"PATCH \#(Self.site)/1/handle/0/routes/0/handle/0/upstreams [{"dial":"127.0.0.1:8001"}]"#]
            ])
    }

    @Test func aMissingRouteIsInsertedBeforeTheCatchAllThatWouldAnswerIt() async throws {
        let section =
            productionSection + """
                        - path: /admin/*
                          reverse_proxy: ["127.0.0.1:8000"]

                """
        let plan = try await planned(section, live: "production")
        #expect(
            plan == [
                "/admin/*": [
                    #"PUT \#(Self.site)/2 {"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"127.0.0.1:8000"}]}],"match":[{"path":["/admin/*"]}]}"#
                ]
            ])
    }

    @Test func aMissingStripIsARewriteInsertedBeforeTheHandler() async throws {
        let section = productionSection.replacingOccurrences(of: "- path: /*\n", with: "- path: /*\n          strip_prefix: /x\n")
        let plan = try await planned(section, live: "production")
        #expect(
            plan["/*"]?.first?.hasPrefix(#"PUT \#(Self.site)/2/handle/0/routes/0/handle/1 {"handler":"rewrite","strip_path_prefix":"/x"}"#)
                == true, "\(plan)")
    }

    @Test func unmanagedRoutesAreNeverDeleted() async throws {
        let section = """
            caddy:
              admin: http://127.0.0.1:2019
              unmanaged_routes: report
              sites:
                - hosts: ["rims.example.com"]
                  routes:
                    - { path: /api/*, reverse_proxy: ["127.0.0.1:8000"] }

            """
        let plan = try await planned(section, live: "production")
        #expect(plan.count == 2, "\(plan)")
        #expect(
            plan.values.allSatisfy { $0 == ["manual: unmanaged routes are never deleted; declare it in caddy.sites or remove it by hand"] })
    }
}
