import CurlHTTP
import Foundation
import Testing

@testable import DockerChecker

/// Negotiating from `GET /_ping`'s headers, as the Docker CLI does (Podman's `/version`
/// takes hundreds of milliseconds, its ping well under one).
@Suite("docker: negotiation from /_ping")
struct PingTests {
    /// The headers Podman 4.3.1's compatible service sends with its ping (captured).
    static let podman: [HTTPHeader] = [
        HTTPHeader("Api-Version", "1.41"), HTTPHeader("Builder-Version", ""), HTTPHeader("Docker-Experimental", "true"),
        HTTPHeader("Libpod-Api-Version", "4.3.1"), HTTPHeader("Libpod-Buildah-Version", "1.28.2"),
        HTTPHeader("Server", "Libpod/4.3.1 (linux)"), HTTPHeader("Content-Type", "text/plain; charset=utf-8"),
    ]

    static func ping(_ headers: [HTTPHeader], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Data("OK".utf8), elapsed: .milliseconds(1))
    }

    @Test func podmansPingGivesItsVersionAndProduct() throws {
        let info = try #require(DockerEngineClient.engineInfo(fromPing: Self.ping(Self.podman))).get()
        #expect(info.product == "Podman Engine")
        #expect(info.version == "4.3.1")
        #expect(info.apiVersion == "1.41")
        #expect(info.negotiatedVersion == "1.41")
    }

    @Test func aNewerEngineIsSpokenToInTheNewestVersionWeKnow() throws {
        let headers = [HTTPHeader("API-Version", "1.99"), HTTPHeader("Server", "Docker/99.0.0 (linux)")]
        let info = try #require(DockerEngineClient.engineInfo(fromPing: Self.ping(headers))).get()
        #expect(info.product == "Docker Engine")
        #expect(info.version == "99.0.0")
        #expect(info.negotiatedVersion == DockerEngineClient.supportedVersions.upperBound.description)
    }

    @Test func anEngineOlderThanWeSpeakIsIncompatible() {
        let result = DockerEngineClient.engineInfo(fromPing: Self.ping([HTTPHeader("Api-Version", "1.12")]))
        guard case .failure(let problem) = result else {
            Issue.record("expected a failure, got \(String(describing: result))")
            return
        }
        #expect(problem.kind == .incompatibleVersion)
    }

    /// No version in the ping (another HTTP service, an error): `connect` asks `/version`.
    @Test func aPingWithoutAVersionNegotiatesNothing() {
        #expect(DockerEngineClient.engineInfo(fromPing: Self.ping([HTTPHeader("Server", "nginx")])) == nil)
        #expect(DockerEngineClient.engineInfo(fromPing: Self.ping(Self.podman, status: 500)) == nil)
    }
}
