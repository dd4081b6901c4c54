import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DockerChecker

/// Reads the recorded engine answers under Tests/Fixtures/docker/ and turns them into
/// observations with the checker's own conversions, as `observe` does after its GETs.
enum EngineFixtures {
    static let podman = "docker/podman-4.3.1"
    static let documented = "docker/docker-engine-documented"

    static func data(_ relative: String) throws -> Data { try Fixtures.data(relative) }

    static func inspect(_ relative: String) throws -> ContainerObservation {
        EngineJSON.observation(try JSONDecoder().decode(EngineJSON.Inspect.self, from: data(relative)))
    }

    /// The captured Podman scene as the checker would observe it, every container inspected.
    static func podmanScene() throws -> DockerObservation {
        let rows = try JSONDecoder().decode([EngineJSON.ContainerRow].self, from: data("\(podman)/containers.json"))
        var observation = DockerObservation(endpoint: "unix:///run/podman/docker.sock")
        observation.engine = try EngineFixtures.engineInfo("\(podman)/version.json")
        observation.containers = rows.map(EngineJSON.summary)
        for name in ["backend", "db", "worker", "cache", "web"] {
            let container = try inspect("\(podman)/inspect-\(name).json")
            observation.inspected[container.id] = container
        }
        let volumes = try JSONDecoder().decode(EngineJSON.VolumeList.self, from: data("\(podman)/volumes.json"))
        observation.volumes = (volumes.Volumes ?? []).map(EngineJSON.volume)
        return observation
    }

    /// Adds a documented Docker-shaped container to an observation (listed and inspected).
    static func adding(_ container: ContainerObservation, to observation: DockerObservation) -> DockerObservation {
        var result = observation
        result.containers.removeAll { $0.name == container.name }
        result.containers.append(
            ContainerSummary(
                id: container.id, name: container.name, state: container.state, image: container.image,
                composeProject: container.composeProject, composeService: container.composeService))
        result.inspected[container.id] = container
        return result
    }

    static func engineInfo(_ relative: String) throws -> EngineInfo {
        let response = HTTPResponse(status: 200, headers: [], body: try data(relative), elapsed: .zero)
        return try DockerEngineClient.engineInfo(
            from: response, endpoint: try HTTPEndpoint(parsing: "unix:///run/docker.sock")
        ).get()
    }
}

/// A `docker:` section's body decoded, the way a manifest would be.
enum SpecText {
    static func decode(_ yaml: String, variables: [String: String] = [:]) throws -> DockerSpec {
        try ReconcileTestSupport.decode(DockerSpec.self, body: yaml, variables: variables)
    }

    /// The first error decoding reports, for tests of rejected input.
    static func error(_ yaml: String) -> ManifestError? {
        do {
            _ = try decode(yaml)
            return nil
        } catch {
            return (error as? ManifestErrors)?.errors.first
        }
    }
}

extension PodmanEngine {
    /// `podman inspect --format FORMAT NAME`.
    func inspect(_ name: String, _ format: String) throws -> String {
        try podman(["inspect", "--format", format, name])
    }
}

/// The built `reconcile` binary, or a failed requirement saying to build it first.
func builtReconcile() throws -> String {
    let binary = TestPaths.reconcileBinary
    try #require(FileManager.default.isExecutableFile(atPath: binary), "build the reconcile product first: \(binary)")
    return binary
}

extension [Finding] {
    /// The findings about one resource.
    func about(_ resource: String) -> [Finding] { filter { $0.resource == resource } }
}

extension Finding {
    /// The finding without its "did you mean" (the closest name among every container of
    /// the engine, which tests running beside this one add and remove).
    var withoutSuggestion: Finding {
        var finding = self
        if let range = finding.message.range(of: "; did you mean '") { finding.message.removeSubrange(range.lowerBound...) }
        return finding
    }
}
