import Foundation
import ReconcileKit
import ReconcileTestSupport
import Testing

@testable import DockerChecker

/// The engine's JSON (captured from Podman, or documented for Docker) reduced to the
/// observation the comparison judges.
@Suite("docker: reading the engine's answers")
struct EngineJSONTests {
    let podman = EngineFixtures.podman
    let documented = EngineFixtures.documented

    @Test func runningContainerWithVolumeBindPortHealthAndComposeLabels() throws {
        let backend = try EngineFixtures.inspect("\(podman)/inspect-backend.json")
        #expect(backend.name == "backend")
        #expect(backend.state == "running")
        #expect(backend.image == "localhost/reconcile-busybox:test")
        #expect(backend.imageID.hasPrefix("sha256:"))
        #expect(backend.restartPolicy == RestartPolicy(.unlessStopped))
        #expect(backend.health == HealthObservation(status: "healthy"))
        #expect(backend.ports == [PortBinding(hostIP: "127.0.0.1", hostPort: 18000, containerPort: 8000)])
        #expect(backend.mounts.count == 2)
        let media = try #require(backend.mounts.first { $0.target == "/app/media" })
        #expect(media.type == "volume" && media.name == "media_data" && !media.readOnly)
        #expect(media.source.hasSuffix("/volumes/media_data/_data"))
        let statics = try #require(backend.mounts.first { $0.target == "/app/static" })
        #expect(statics.type == "bind" && statics.readOnly && statics.name == nil)
        #expect(backend.composeProject == "rims" && backend.composeService == "backend")
        #expect(backend.environmentNames.contains("DJANGO_SETTINGS_MODULE"))
        #expect(backend.environmentNames.contains("SECRET_KEY"))
    }

    /// Values a recreate fix needs are kept; a secret-looking name's value and a URL's
    /// credentials are dropped at decoding, before anything can print or record them.
    @Test func secretValuesNeverReachTheObservation() throws {
        let scene = try EngineFixtures.podmanScene()
        let encoded = String(decoding: try JSONEncoder().encode(scene), as: UTF8.self)
        #expect(!encoded.contains("fixture-value-never-read"))
        let backend = try EngineFixtures.inspect("\(podman)/inspect-backend.json")
        #expect(backend.definition?.environment.contains("DJANGO_SETTINGS_MODULE=rims_backend.settings") == true)
        #expect(backend.definition?.environment.contains("SECRET_KEY") == true, "by name only")
        let restarting = try EngineFixtures.inspect("\(documented)/inspect-backend-restarting.json")
        let text = String(decoding: try JSONEncoder().encode(restarting), as: UTF8.self)
        #expect(!text.contains("documented-example"))
        #expect(restarting.environmentNames == ["DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PATH"])
        #expect(restarting.definition?.environment.contains("DATABASE_URL") == true, "a URL's credentials make it secret")
    }

    @Test func exitedCreatedAndUnhealthyContainers() throws {
        let db = try EngineFixtures.inspect("\(podman)/inspect-db.json")
        #expect(db.state == "exited" && db.exitCode == 1)
        #expect(db.restartPolicy == RestartPolicy(.no), "Podman's \"\" is Docker's \"no\"")
        #expect(db.health == nil)
        let worker = try EngineFixtures.inspect("\(podman)/inspect-worker.json")
        #expect(worker.state == "created")
        #expect(worker.restartPolicy == RestartPolicy(.onFailure, maximumRetryCount: 3))
        let cache = try EngineFixtures.inspect("\(podman)/inspect-cache.json")
        #expect(cache.health?.status == "unhealthy")
        #expect(cache.health?.lastFailureOutput == "cache not ready: connection refused")
        #expect(cache.health?.lastFailureExitCode == 1)
        #expect(cache.health?.failingStreak == 1)
    }

    @Test func allInterfacesBindingHasNoHostAddress() throws {
        let web = try EngineFixtures.inspect("\(podman)/inspect-web.json")
        #expect(web.ports == [PortBinding(hostIP: nil, hostPort: 18080, containerPort: 80)])
        #expect(web.restartPolicy == RestartPolicy(.always))
    }

    /// The list's `Ports` give every running container's published ports (what the host
    /// checker attributes ports by), exposed-only ports left out.
    @Test func theContainerListCarriesPublishedPorts() throws {
        let scene = try EngineFixtures.podmanScene()
        let web = try #require(scene.containers.first { $0.name == "web" })
        #expect(web.ports == [PortBinding(hostIP: nil, hostPort: 18080, containerPort: 80)])
        let rows = try JSONDecoder().decode(
            [EngineJSON.ContainerRow].self,
            from: Data(#"[{"Id":"a","Ports":[{"IP":"::","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},"#.utf8)
                + Data(#"{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"PrivatePort":9000,"Type":"tcp"}]}]"#.utf8))
        #expect(rows.map(EngineJSON.summary).first?.ports == [PortBinding(hostPort: 8080, containerPort: 80)])
    }

    @Test func dockerShapesPodmanDoesNotReturn() throws {
        let backend = try EngineFixtures.inspect("\(documented)/inspect-backend-restarting.json")
        #expect(backend.state == "restarting")
        #expect(backend.health == nil, "Docker omits State.Health without a health check")
        #expect(backend.restartPolicy == RestartPolicy(.no))
        #expect(
            backend.mounts == [
                MountObservation(
                    type: "volume", name: "rims_media_data", source: "/var/lib/docker/volumes/rims_media_data/_data",
                    target: "/app/media", readOnly: false)
            ])
        let web = try EngineFixtures.inspect("\(documented)/inspect-web-dual-stack.json")
        #expect(web.ports == [PortBinding(hostIP: nil, hostPort: 32768, containerPort: 80)], "0.0.0.0 and :: are one binding")
        #expect(web.health?.status == "starting")
        #expect(web.restartPolicy == RestartPolicy(.onFailure, maximumRetryCount: 5))
        let db = try EngineFixtures.inspect("\(documented)/inspect-db-dead.json")
        #expect(db.state == "dead" && db.exitCode == 137)
        #expect(db.error?.contains("device or resource busy") == true)
    }

    @Test func containerListAndVolumes() throws {
        let scene = try EngineFixtures.podmanScene()
        #expect(Set(scene.containers.map(\.name)) == ["backend", "db", "worker", "cache", "web"])
        let db = try #require(scene.containers.first { $0.name == "db" })
        #expect(db.state == "exited" && db.composeProject == "rims" && db.composeService == "db")
        let volume = try #require(scene.volumes?.first)
        #expect(volume.name == "media_data" && volume.driver == "local")
        #expect(volume.mountpoint.hasSuffix("/volumes/media_data/_data"))
    }

    @Test func lookupsForCheckersThatReadThisObservation() throws {
        let scene = try EngineFixtures.podmanScene()
        #expect(scene.container(named: "backend")?.mounts.contains { $0.name == "media_data" } == true)
        #expect(scene.container(named: "nope") == nil)
        #expect(scene.volume(named: "media_data")?.mountpoint.hasSuffix("/volumes/media_data/_data") == true)
    }

    @Test func podmanVersionNegotiatesItsOwnHighest() throws {
        let info = try EngineFixtures.engineInfo("\(podman)/version.json")
        #expect(info.product == "Podman Engine")
        #expect(info.version == "4.3.1")
        #expect(info.apiVersion == "1.41" && info.minAPIVersion == "1.24")
        #expect(info.negotiatedVersion == "1.41")
    }

    @Test func docker29VersionNegotiatesWithinItsRange() throws {
        let info = try EngineFixtures.engineInfo("\(documented)/version-docker-29.json")
        #expect(info.product == "Docker Engine - Community")
        #expect(info.negotiatedVersion == "1.52")
        #expect(APIVersion(info.negotiatedVersion)! >= APIVersion("1.44")!)
    }

    @Test func missingContainerBodyIsTheEnginesError() throws {
        let body = try JSONDecoder().decode(
            EngineJSON.ErrorBody.self, from: EngineFixtures.data("\(podman)/inspect-missing-404.json"))
        #expect(body.message?.contains("no such container") == true)
    }
}
