import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DockerChecker

/// The Docker checker's discover piece, pure, on the Podman scene recorded from a real
/// engine: every container described reads back through the decoder and compares in
/// sync; a hostile bind path and image round-trip exactly; variables are written by name
/// only, and a secret-looking variable's value never appears.
@Suite struct DockerDiscoveryTests {
    static func roundTrip(_ observation: DockerObservation, _ request: DiscoveryRequest) throws
        -> (section: DiscoveredSection, text: String, findings: [Finding])
    {
        let section = DockerChecker().describe(observation, request: request, earlier: Discoveries())
        let text = YAMLWriter.document([YAMLEntry("docker", try #require(section.value, "\(section.problems)"))])
        let spec = try decode(DockerSpec.self, yaml: text)
        return (section, text, DockerChecker().compare(spec, with: observation))
    }

    /// The scene's `cache` container fails its own health check: the one thing a
    /// manifest cannot accept, so discover says it will be drift.
    @Test func theRecordedPodmanSceneIsDescribedInSyncButForAFailingHealthCheck() throws {
        let scene = try EngineFixtures.podmanScene()
        let (section, text, findings) = try Self.roundTrip(scene, DiscoveryRequest(dockerRequested: true))
        let lines = findings.map { "\($0.status) \($0.resource)" }.filter { !$0.contains("volume ") }.sorted()
        #expect(lines == ["drift cache", "ok backend", "ok db", "ok web", "ok worker"], "\(findings.map(\.message))\n\(text)")
        #expect(findings.first { $0.resource == "cache" }?.message.contains("health check fails") == true)
        #expect(text.contains("# CONFIRM: its health check reports unhealthy"), "\(text)")
        #expect(findings.filter { $0.resource.hasPrefix("volume ") }.allSatisfy { $0.status == .ok })
        #expect(section.problems == [])
    }

    @Test func aHostileBindPathAndImageRoundTripAndValuesAreNeverWritten() throws {
        let path = "/srv/\"odd\" ${HOME}\n# not: a comment"
        let container = ContainerObservation(
            id: "c1", name: "web", state: "running", image: "registry.example/web:\"1\"", restartPolicy: RestartPolicy(.always),
            ports: [PortBinding(hostIP: "127.0.0.1", hostPort: 8080, containerPort: 80)],
            mounts: [MountObservation(type: "bind", source: path, target: "/data", readOnly: true)],
            environmentNames: ["API_TOKEN", "MODE"], environmentValues: ["API_TOKEN": "s3cr3t-value", "MODE": "prod-value"])
        var observation = DockerObservation(endpoint: "unix:///run/docker.sock")
        observation = EngineFixtures.adding(container, to: observation)
        observation.volumes = []
        let (section, text, findings) = try Self.roundTrip(observation, DiscoveryRequest(containers: ["web"]))
        #expect(findings.map(\.status) == [.ok], "\(findings.map(\.message))\n\(text)")
        #expect(!text.contains("s3cr3t-value") && !text.contains("prod-value"), "\(text)")
        let spec = try decode(DockerSpec.self, yaml: text)
        #expect(spec.containers.first?.mounts == [MountSpec(source: .bind(path), target: "/data", readOnly: true)])
        #expect(spec.containers.first?.image == "registry.example/web:\"1\"")
        #expect(spec.containers.first?.environment == ["API_TOKEN", "MODE"])
        #expect(section.listeners == [DiscoveredListener(address: "127.0.0.1", port: 8080, owner: "container web")])
    }

    @Test func aContainerNamedButMissingIsAProblem() throws {
        let (section, _, _) = try Self.roundTrip(try EngineFixtures.podmanScene(), DiscoveryRequest(containers: ["backend", "nope"]))
        #expect(section.problems == ["no container named nope"])
    }
}

/// `--compose-project` on real Podman: only the project's containers are described (a
/// container outside it is not), with their volume, a bind mount from an awkward path
/// and a published port, and the section compares in sync with the same engine.
@Suite struct DockerComposeDiscoveryTests {
    @Test func aComposeProjectsContainersAreDiscoveredAndCompareInSync() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let engine = scene.engine
        let project = "\(scene.prefix)proj"
        let web = scene.container("web")
        let worker = scene.container("worker")
        let outsider = scene.container("outsider")
        let media = scene.volume("media")
        let awkward = try TemporaryDirectory(prefix: "reconcile ${x} \"odd\" #dir")
        let port = try freeLoopbackPort()
        try engine.podman(["volume", "create", media])
        let labels = { (service: String) in
            ["--label", "com.docker.compose.project=\(project)", "--label", "com.docker.compose.service=\(service)"]
        }
        try engine.run(
            web, labels("web") + ["-p", "127.0.0.1:\(port):8000", "-v", "\(media):/srv/media", "-v", "\(awkward.path):/srv/conf:ro"])
        try engine.create(worker, labels("worker") + ["--restart", "on-failure:3"])
        try engine.run(outsider, [])

        let request = DiscoveryRequest(dockerEndpoint: engine.endpoint, composeProject: project)
        let context = ObservationContext(mode: .dryRun, source: StubSource())
        let observation = try #require(try await DockerChecker().discover(request, earlier: Discoveries(), in: context))
        let section = DockerChecker().describe(observation, request: request, earlier: Discoveries())
        let text = YAMLWriter.document([YAMLEntry("docker", try #require(section.value, "\(section.problems)"))])
        let spec = try decode(DockerSpec.self, yaml: text)
        #expect(spec.containers.map(\.name) == [web, worker], "\(text)")
        #expect(spec.volumes.map(\.name) == [media])
        #expect(
            spec.containers.first?.mounts?.contains(MountSpec(source: .bind(awkward.path), target: "/srv/conf", readOnly: true)) == true)
        #expect(section.listeners == [DiscoveredListener(address: "127.0.0.1", port: port, owner: "container \(web)")])

        let findings = DockerChecker().compare(spec, with: try await DockerChecker().observe(spec, in: context))
        #expect(findings.map(\.status) == [.ok, .ok, .ok], "\(findings.map { "\($0.status) \($0.resource): \($0.message)" })\n\(text)")
    }
}

/// An anonymous volume (`-v /data`, or any image's `VOLUME` line) gets a new random
/// name at each create: discover writes it as Docker's `-v TARGET` form, compared as any
/// volume at that path, never as the ID it has now (found by review: a recreated
/// container was drift against its own discovered manifest, with a fix declaring a
/// named volume called by the old hash).
@Suite struct DockerAnonymousVolumeDiscoveryTests {
    @Test func anAnonymousVolumeIsWrittenWithoutItsIDAndARecreatedContainerStaysInSync() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let engine = scene.engine
        let odd = scene.container("odd")
        let data = scene.volume("data")
        let arguments = ["-v", "/app/anon", "--mount", "type=volume,destination=/app/cache,ro=true", "-v", "\(data):/app/data"]
        try engine.run(odd, arguments)
        defer { _ = try? engine.podman(["rm", "-f", "-v", "-t", "0", odd]) }
        let ids = try engine.inspect(odd, "{{range .Mounts}}{{.Name}} {{end}}")
            .split(separator: " ").map(String.init).filter { $0 != data }
        #expect(ids.count == 2 && ids.allSatisfy { DockerChecker.isAnonymousVolume($0) }, "\(ids)")

        let request = DiscoveryRequest(dockerEndpoint: engine.endpoint, containers: [odd])
        let context = ObservationContext(mode: .dryRun, source: StubSource())
        let observation = try #require(try await DockerChecker().discover(request, earlier: Discoveries(), in: context))
        let section = DockerChecker().describe(observation, request: request, earlier: Discoveries())
        let text = YAMLWriter.document([YAMLEntry("docker", try #require(section.value, "\(section.problems)"))])
        #expect(section.gaps == [], "\(section.gaps)")
        #expect(
            section.uncompared == [
                "container \(odd): the anonymous volume at /app/cache is mounted read-only, which its /TARGET form does not say"
            ], "\(section.uncompared)")
        for id in ids { #expect(!text.contains(id), "the anonymous volume's ID is written:\n\(text)") }
        let spec = try decode(DockerSpec.self, yaml: text)
        #expect(spec.volumes.map(\.name) == [data], "\(text)")
        #expect(
            spec.containers.first?.mounts == [
                MountSpec(source: .anonymousVolume, target: "/app/anon"), MountSpec(source: .anonymousVolume, target: "/app/cache"),
                MountSpec(source: .volume(data), target: "/app/data", readOnly: false),
            ], "\(text)")

        func findings() async throws -> [String] {
            let findings = DockerChecker().compare(spec, with: try await DockerChecker().observe(spec, in: context))
            return findings.map { "\($0.status) \($0.resource): \($0.message)" }
        }
        let before = try await findings()
        #expect(before.allSatisfy { $0.hasPrefix("ok ") } && before.count == 2, "\(before)\n\(text)")

        // The same container created again: new anonymous volumes, the same desired state.
        try engine.podman(["rm", "-f", "-v", "-t", "0", odd])
        try engine.run(odd, arguments)
        let after = try await findings()
        #expect(after.allSatisfy { $0.hasPrefix("ok ") } && after.count == 2, "\(after)\n\(text)")

        // A volume at the path is what is compared: a bind mount there instead is drift.
        try engine.podman(["rm", "-f", "-v", "-t", "0", odd])
        let host = try TemporaryDirectory(prefix: "reconcile-anon-bind")
        try engine.run(odd, ["-v", "\(host.path):/app/anon"] + arguments.dropFirst(2))
        let bound = try await findings()
        #expect(
            bound.contains { $0.hasPrefix("drift \(odd): ") && $0.contains("a bind of \(host.path), expected a volume") },
            "\(bound)")
    }
}

/// Docker's `-v TARGET` short form in a manifest is an anonymous volume.
@Suite struct AnonymousVolumeSyntaxTests {
    @Test func aTargetAloneIsAnAnonymousVolumeAndATargetWithAModeIsAnError() throws {
        #expect(MountSpec(shortSyntax: "/app/anon/") == MountSpec(source: .anonymousVolume, target: "/app/anon"))
        #expect(MountSpec(shortSyntax: "/srv/x:/app/x") == MountSpec(source: .bind("/srv/x"), target: "/app/x"))
        // Docker refuses `-v /app/anon:ro` (a volume without a name takes no mode): so does the manifest.
        let errors = decodingErrors(
            DockerSpec.self, yaml: "docker:\n  containers:\n    - name: web\n      mounts: [\"/app/anon:ro\"]\n")
        #expect(errors.count == 1 && errors[0].hasPrefix("6:") && errors[0].contains("/TARGET (an anonymous volume)"), "\(errors)")
    }
}
