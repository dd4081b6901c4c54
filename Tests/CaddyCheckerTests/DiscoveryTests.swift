import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import CaddyChecker

/// The Caddy checker's discover piece, pure: configs recorded from real Caddy described
/// as a `caddy:` section, which the real decoder reads and the comparison finds in sync
/// with the same config; what the manifest cannot say is a gap, never written.
@Suite struct CaddyDiscoveryTests {
    static let admin = "http://127.0.0.1:2019"

    /// Describes `config`, writes it, decodes it, and compares it with the same config.
    static func roundTrip(_ config: Data) throws -> (section: DiscoveredSection, text: String, findings: [Finding]) {
        let observation = CaddyObservation(admin: admin, live: .config(config))
        let section = CaddyChecker().describe(observation, request: DiscoveryRequest(caddyAdmin: admin), earlier: Discoveries())
        let value = try #require(section.value, "no section: \(section.problems)")
        let text = YAMLWriter.document([YAMLEntry("caddy", value)])
        let spec = try decode(CaddySpec.self, yaml: text)
        return (section, text, CaddyChecker().compare(spec, with: observation))
    }

    @Test(arguments: ["production.live", "nested", "plain-directives", "large", "multi-site"])
    func aRecordedConfigIsDescribedInSync(_ fixture: String) throws {
        let (section, text, findings) = try Self.roundTrip(try fixtureJSON(fixture))
        #expect(section.gaps == [], "\(fixture): \(section.gaps)")
        #expect(!findings.isEmpty)
        #expect(findings.allSatisfy { $0.status == .ok }, "\(fixture): \(summary(findings))\n\(text)")
        #expect(text.contains("unmanaged_routes: \"report\""), "with no gap, a route added later is drift")
    }

    @Test func routesNoRequestReachesAreGapsNotWritten() throws {
        for fixture in ["shadowed", "conditional"] {
            let (section, text, findings) = try Self.roundTrip(try fixtureJSON(fixture))
            #expect(!section.gaps.isEmpty, "\(fixture): \(text)")
            #expect(findings.allSatisfy { $0.status == .ok }, "\(fixture): \(summary(findings))\n\(text)")
            #expect(text.contains("unmanaged_routes: \"ignore\""), "\(text)")
        }
    }

    @Test func aHostileRootAndUpstreamRoundTripExactly() throws {
        let root = "/srv/\"quoted\" dir/${HOME}/new\nline/#hash: x"
        let config = """
            {"apps":{"http":{"servers":{"srv0":{"listen":[":8080"],"routes":[
              {"match":[{"path":["/media/*"]}],"handle":[{"handler":"subroute","routes":[
                {"handle":[{"handler":"rewrite","strip_path_prefix":"/media"}]},
                {"handle":[{"handler":"vars","root":\(Self.json(root))},{"handler":"file_server"}]}]}]},
              {"match":[{"path":["/api/*"]}],"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"127.0.0.1:8000"}]}]}
            ]}}}}}
            """
        let (section, text, findings) = try Self.roundTrip(Data(config.utf8))
        #expect(section.gaps == [])
        #expect(findings.map(\.status) == [.ok, .ok], "\(summary(findings))\n\(text)")
        let spec = try decode(CaddySpec.self, yaml: YAMLWriter.document([YAMLEntry("caddy", try #require(section.value))]))
        guard case .sites(let sites) = spec.desired else { throw TestSupportError("no sites") }
        #expect(sites.first?.routes.first?.handler == .fileServer(root: root))
        #expect(sites.first?.routes.first?.stripPrefix == "/media")
        #expect(
            section.listeners == [
                DiscoveredListener(address: nil, port: 8080, owner: "caddy"),
                DiscoveredListener(address: "127.0.0.1", port: 8000, owner: "an upstream of caddy (/api/*)"),
                DiscoveredListener(address: "127.0.0.1", port: 2019, owner: "caddy admin"),
            ])
    }

    @Test func anUnreadableAdminAPIIsAProblemAndNoSection() {
        let observation = CaddyObservation(admin: Self.admin, live: .failure(AdminFailure(kind: .connectionRefused, message: "refused")))
        let section = CaddyChecker().describe(observation, request: DiscoveryRequest(caddyAdmin: Self.admin), earlier: Discoveries())
        #expect(section.value == nil)
        #expect(section.problems.count == 1)
    }

    static func json(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }
}
