import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import CaddyChecker
@testable import DockerChecker
@testable import MediaChecker

/// Reading a chain's facts out of what the other checkers observed, on configs recorded
/// from real Caddy and shapes of real engine answers.
@Suite struct ChainFactsTests {
    static func caddy(_ fixture: String) throws -> Result<CaddyObservation, Error> {
        let data = try Fixtures.data("caddy/\(fixture)")
        return .success(CaddyObservation(admin: "http://127.0.0.1:2019", live: .config(data)))
    }

    static func docker(mounts: [MountObservation], problem: EngineProblem? = nil) -> Result<DockerObservation, Error> {
        let backend = ContainerObservation(id: "abc", name: "backend", state: "running", image: "rims-backend", mounts: mounts)
        return .success(
            DockerObservation(
                endpoint: "unix:///run/docker.sock", problem: problem,
                containers: [ContainerSummary(id: "abc", name: "backend", state: "running", image: "rims-backend")],
                inspected: ["abc": backend]))
    }

    @Test func theMediaRouteOfTheProductionCaddyfileIsFoundWithItsRootStripAndListener() throws {
        guard case .observed(let route?) = ChainFacts.route(try Self.caddy("production.json"), servedAt: "/media/") else {
            Issue.record("no route found")
            return
        }
        #expect(route.path == "/media/*")
        #expect(route.handler == "file_server")
        #expect(route.root == "/srv/rims/media")
        #expect(route.stripPrefix == "/media")
        #expect(route.host == "rims.example.com")
        #expect(route.baseURL == "http://127.0.0.1:80")
    }

    @Test func aCatchAllProxyInFrontOfTheMediaRouteIsWhatAnswers() throws {
        guard case .observed(let route?) = ChainFacts.route(try Self.caddy("shadowed.json"), servedAt: "/media/") else {
            Issue.record("no route found")
            return
        }
        #expect(route.handler == "reverse_proxy")
    }

    @Test func anUnreachableAdminAPIIsUnknownNotMissing() {
        let caddy: Result<CaddyObservation, Error> = .success(
            CaddyObservation(admin: "http://127.0.0.1:1", live: .failure(AdminFailure(kind: .connectionRefused, message: "refused"))))
        guard case .unknown(let reason) = ChainFacts.route(caddy, servedAt: "/media/") else {
            Issue.record("expected unknown")
            return
        }
        #expect(reason.contains("refused"))
    }

    @Test(arguments: [
        (":8080", "http://127.0.0.1:8080"), ("127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("tcp/[::]:443", "https://127.0.0.1"), ("0.0.0.0:80", "http://127.0.0.1:80"),
    ])
    func listenAddressesBecomeLocalURLs(listen: String, url: String) {
        #expect(ChainFacts.baseURL(listen: listen) == url)
    }

    @Test func theMountAtTheContainerPathIsFoundWhateverTheTrailingSlash() {
        let fact = ChainFacts.mount(
            Self.docker(mounts: [
                MountObservation(type: "bind", source: "/srv/code", target: "/app/src", readOnly: true),
                MountObservation(
                    type: "volume", name: "media_data", source: "/var/lib/docker/volumes/media_data/_data",
                    target: "/app/media", readOnly: false),
            ]), container: "backend", path: "/app/media/")
        #expect(fact == .observed(MountFact(type: "volume", volume: "media_data", source: "/var/lib/docker/volumes/media_data/_data")))
    }

    @Test func noMountAtTheContainerPathIsObservedAsNone() {
        let fact = ChainFacts.mount(Self.docker(mounts: []), container: "backend", path: "/app/media")
        #expect(fact == .observed(nil))
    }

    @Test func anUnobservableEngineOrAMissingContainerIsUnknown() {
        let down = ChainFacts.mount(
            Self.docker(mounts: [], problem: EngineProblem(kind: .noSocket, message: "no socket", hint: "start it")),
            container: "backend", path: "/app/media")
        #expect(down == .unknown("the Docker engine could not be observed: no socket"))
        let missing = ChainFacts.mount(Self.docker(mounts: []), container: "worker", path: "/app/media")
        #expect(missing == .unknown("there is no container named worker"))
    }

    @Test func anExistingFileIsFoundBreadthFirstSkippingHiddenOnes() throws {
        let directory = try TemporaryDirectory()
        try directory.write(".hidden", "secret")
        try directory.write("uploads/2026/photo.txt", "deep")
        try directory.write("uploads/readme.txt", "shallow")
        let found = LiveProbe.existingFile(under: directory.path)
        #expect(found?.0 == "uploads/readme.txt")
        #expect(found?.1 == Data("shallow".utf8))
        #expect(LiveProbe.existingFile(under: directory.file("absent")) == nil)
    }
}
