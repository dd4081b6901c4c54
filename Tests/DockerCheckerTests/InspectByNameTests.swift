import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DockerChecker

/// When no other checker of the run reads its observation, the checker inspects each
/// named container by name and asks for the container list (Podman's slowest answer)
/// only when a name does not answer: proved by the requests the engine received,
/// through the recording proxy.
@Suite("docker: inspect by name, the list only when needed")
struct InspectByNameTests {
    static let list = "/v1.41/containers/json?all=1"

    /// A dry run's context in which `readers` read the observation (nil: unknown).
    static func context(readers: Set<String>?) -> ObservationContext {
        var context = dryRunContext()
        context.readers = readers
        return context
    }

    static func observe(_ yaml: String, readers: Set<String>?) async throws -> (DockerObservation, [Finding]) {
        let spec = try SpecText.decode(yaml)
        let observation = try await DockerChecker().observe(spec, in: context(readers: readers))
        return (observation, DockerChecker().compare(spec, with: observation))
    }

    @Test func everyNamedContainerAnsweringToItsNameMeansNoListIsRequested() async throws {
        try await RecordingProxy.scene { scene, proxy in
            let backend = scene.container("backend")
            let worker = scene.container("worker")
            let media = scene.volume("media")
            try scene.engine.podman(["volume", "create", media])
            try scene.engine.run(backend, ["--restart", "always", "-v", "\(media):/media"])
            try scene.engine.create(worker)
            let (observation, findings) = try await Self.observe(
                """
                endpoint: \(proxy.endpoint)
                containers:
                  - { name: \(backend), state: running, restart_policy: always, mounts: [{ volume: \(media), target: /media }] }
                  - { name: \(worker), state: created }
                volumes: [\(media)]
                """, readers: [])
            #expect(findings.map(\.status) == [.ok, .ok, .ok], "\(findings.map(\.message))")
            #expect(Set(observation.containers.map(\.name)) == [backend, worker])
            let targets = proxy.requests().map(\.target)
            #expect(!targets.contains(Self.list), "\(targets)")
            #expect(targets.contains("/v1.41/containers/\(backend)/json"))
            #expect(targets.contains("/v1.41/containers/\(worker)/json"))
            #expect(targets.contains("/v1.41/volumes"))
        }
    }

    @Test func aMissingNamedContainerIsStillAbsentDriftWithTheClosestNameFromTheList() async throws {
        try await RecordingProxy.scene { scene, proxy in
            let backend = scene.container("backend")
            try scene.engine.run(backend, [])
            let typo = String(backend.dropLast())
            let (_, findings) = try await Self.observe(
                "endpoint: \(proxy.endpoint)\ncontainers:\n  - { name: \(typo), image: rims-backend:latest }\n  - name: \(backend)\n",
                readers: [])
            let missing = try #require(findings.about(typo).first)
            #expect(missing.status == .drift)
            #expect(missing.observed == "no such container")
            #expect(missing.message == "no container named \(typo); did you mean '\(backend)'?")
            #expect(missing.fix?.snippet == "docker run -d --name \(typo) rims-backend:latest")
            #expect(findings.about(backend).map(\.status) == [.ok])
            #expect(proxy.requests().filter { $0.target == Self.list }.count == 1)
        }
    }

    /// The engine answers an inspect by id prefix too: a manifest name that happens to
    /// be another container's id prefix must not be taken for that container.
    @Test func aNameThatIsAnotherContainersIdPrefixIsAbsentNotThatContainer() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let other = scene.container("other")
        let prefix = String(try scene.engine.create(other).prefix(12))
        let (observation, findings) = try await Self.observe(
            "endpoint: \(scene.engine.endpoint)\ncontainers:\n  - name: \"\(prefix)\"\n", readers: [])
        #expect(findings.about(prefix).map(\.observed) == ["no such container"])
        #expect(observation.inspected.isEmpty)
        #expect(observation.containers.contains { $0.name == other }, "listed, to look for the name")
    }

    /// The reconciler tells the checker who reads its observation: with only a `docker:`
    /// section the built CLI never lists; a `host:` section that asks about a port (the
    /// host checker reads every container's published ports) makes it list.
    @Test func theBuiltCLIListsOnlyWhenTheHostCheckerReadsTheObservation() async throws {
        let binary = try builtReconcile()
        try await RecordingProxy.scene { scene, proxy in
            let backend = scene.container("backend")
            try scene.engine.run(backend, [])
            let docker = "docker:\n  endpoint: \(proxy.endpoint)\n  containers: [{ name: \(backend), state: running }]\n"
            let host = "host:\n  not_listening: [\(try freeLoopbackPort())]\n"
            let repository = try ScratchRepository(files: [
                "manifests/docker.yaml": "apiVersion: reconcile/v1\nkind: Environment\nname: docker\n" + docker,
                "manifests/host.yaml": "apiVersion: reconcile/v1\nkind: Environment\nname: host\n" + docker + host,
            ])
            var listed: [Int] = []
            for manifest in ["manifests/docker.yaml", "manifests/host.yaml"] {
                let before = proxy.requests().count
                let result = try run(binary, ["--repo", repository.path, "--manifest", manifest, "--dry-run", "--format", "json"])
                #expect(result.status == 0, "\(manifest): \(result.stdout) \(result.stderr)")
                listed.append(proxy.requests().dropFirst(before).filter { $0.target == Self.list }.count)
            }
            #expect(listed == [0, 1])
        }
    }

    /// The host checker reads every running container's published ports: a run where a
    /// reader may exist (or does) lists them all, as before.
    @Test(arguments: [nil, ["host"]] as [Set<String>?])
    func aReaderOfTheObservationGetsEveryContainerListed(readers: Set<String>?) async throws {
        try await RecordingProxy.scene { scene, proxy in
            let backend = scene.container("backend")
            let unnamed = scene.container("unnamed")
            try scene.engine.run(backend, [])
            try scene.engine.run(unnamed, [])
            let (observation, findings) = try await Self.observe(
                "endpoint: \(proxy.endpoint)\ncontainers:\n  - { name: \(backend), state: running }\n", readers: readers)
            #expect(findings.map(\.status) == [.ok])
            #expect(observation.containers.contains { $0.name == unnamed && $0.state == "running" })
            #expect(proxy.requests().filter { $0.target == Self.list }.count == 1)
        }
    }
}
