import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import HostChecker

/// A port a real Podman container publishes: on the host it is held by the engine's
/// proxy (conmon), and the host checker names the container from the Docker
/// checker's observation of the same run.
@Suite("host: ports published by containers")
struct PublishedPortTests {
    /// A busybox httpd in a container, its port 80 published on a free loopback port.
    static func publishedWebServer(_ scene: Scene) throws -> (name: String, port: Int) {
        let name = scene.container("web")
        let port = try freeLoopbackPort()
        try scene.engine.run(name, ["-p", "127.0.0.1:\(port):80"], command: ["httpd", "-f", "-p", "80"])
        return (name, port)
    }

    @Test func aPortPublishedByAPodmanContainerIsAttributedToThatContainer() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let (name, port) = try Self.publishedWebServer(scene)
        let findings = try await hostFindings(
            """
            docker:
              endpoint: \(scene.engine.endpoint)
            host:
              listen:
                - { port: \(port) }
                - { port: \(port), process: caddy }
              not_listening: [\(port)]
            """)
        #expect(findings.map(\.status) == [.ok, .unknown, .drift], "\(findings.map(\.message))")
        let published = "published by container \(name) (container port 80)"
        #expect(findings[0].message.contains(published))
        #expect(findings[1].message.contains("port \(port) is \(published)"))
        #expect(findings[1].message.hasSuffix("whether caddy listens inside it is not observed"))
        #expect(findings[2].message.contains(published))
        #expect(findings[2].fix?.snippet == "docker stop \(name)")
    }

    @Test func withoutADockerSectionTheProxyIsNamedAndNoContainerIsGuessed() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let (name, port) = try Self.publishedWebServer(scene)
        let findings = try await hostFindings("host:\n  listen: [{ port: \(port), process: caddy }]")
        #expect(findings.map(\.status) == [.unknown], "\(findings.map(\.message))")
        #expect(findings[0].message.hasPrefix("port \(port) is held by conmon (pid "))
        #expect(findings[0].message.hasSuffix("(no docker observation: the manifest has no docker: section)"))
        #expect(!findings[0].message.contains(name))
    }
}
