import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DockerChecker

/// Docker's repairs on a real engine (Podman's API), through the reconciler's apply
/// pipeline: what the policy allows is done, verified, and undone when something fails.
@Suite("docker: apply against a real engine (Podman)")
struct ApplyTests {
    /// Plans and applies the manifest `body` (after the header).
    func apply(_ body: String) async throws -> ApplyRunner.Result {
        let manifest = try ManifestDecoder(registry: CheckerRegistry(checkers: [DockerChecker.self]))
            .decode("apiVersion: reconcile/v1\nkind: Environment\n" + body, file: "m.yaml")
        let runner = ApplyRunner(
            reconciler: Reconciler(), policies: ["m.yaml": try #require(manifest.apply)], journal: nil, commit: nil)
        return await runner.run(
            manifest.checks, observing: ObservationContext(mode: .apply, source: StubSource(), environment: [:]),
            applying: ApplyContext(source: StubSource(), environment: [:]))
    }

    /// A command that stops at once on SIGTERM (`sleep` as pid 1 ignores it, and a stop
    /// would wait out its grace period).
    static let stoppable = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]

    func state(_ engine: PodmanEngine, _ name: String) throws -> String {
        try engine.podman(["inspect", "--format", "{{.State.Status}}", name])
    }

    @Test func aStoppedContainerIsStartedAndAMissingVolumeCreated() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let worker = scene.container("worker")
        let media = scene.volume("media_data")
        try scene.engine.create(worker)
        let result = try await apply(
            """
            docker:
              endpoint: \(scene.engine.endpoint)
              containers:
                - { name: \(worker), state: running }
              volumes: [\(media)]
            apply: { docker: [start, volumes], verify: [] }
            """)
        #expect(!result.failed, "\(result.cause ?? "")")
        #expect(
            result.actions.map { "\($0.status.rawValue) \($0.action)" } == [
                "applied docker volume create \(media)", "applied docker start \(worker)",
            ])
        #expect(result.findings.nonEmptyAllSatisfy { $0.status == .ok }, "\(result.findings.map(\.message))")
        #expect(try state(scene.engine, worker) == "running")
        #expect(try scene.engine.podman(["volume", "ls", "--format", "{{.Name}}"]).split(separator: "\n").contains { $0 == media })
    }

    @Test func aRefusedRestartPolicyUpdateFailsAndUndoesTheStartBeforeIt() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let worker = scene.container("worker")
        let backend = scene.container("backend")
        try scene.engine.create(worker, command: Self.stoppable)
        try scene.engine.run(backend, [])
        let result = try await apply(
            """
            docker:
              endpoint: \(scene.engine.endpoint)
              containers:
                - { name: \(worker), state: running }
                - { name: \(backend), restart_policy: unless-stopped }
            apply: { docker: [start, restart_policy], verify: [] }
            """)
        // Podman 4.3's Docker API has no /containers/{id}/update: the update fails with the
        // engine's answer, and the start applied before it is undone.
        #expect(result.failed)
        #expect(
            result.actions.map { "\($0.status.rawValue) \($0.action)" } == [
                "rolled_back docker start \(worker)", "failed docker update --restart=unless-stopped \(backend)",
            ])
        #expect(result.actions.last?.detail?.contains("/update answered 404") == true, "\(result.actions)")
        #expect(try state(scene.engine, worker) != "running")
    }

    func inspect(_ engine: PodmanEngine, _ name: String, _ format: String) throws -> String {
        try engine.podman(["inspect", "--format", format, name])
    }

    /// Applies a manifest whose only difference from `name` is what is mounted at /data.
    func recreate(_ name: String, mounting source: String, in scene: Scene) async throws -> ApplyRunner.Result {
        try await apply(
            """
            docker:
              endpoint: \(scene.engine.endpoint)
              containers:
                - { name: \(name), mounts: ["\(source):/data"] }
            apply: { docker: [recreate], verify: [] }
            """)
    }

    /// The containers whose names start with `name` (the original, a parked or a new one).
    func containers(named name: String, _ scene: Scene) throws -> [Substring] {
        try scene.engine.podman(["ps", "-a", "--format", "{{.Names}}"]).split(separator: "\n").filter { $0.hasPrefix(name) }
    }

    /// A container that runs until SIGTERM, unless /data/poison exists: then it exits at once.
    static let refusesPoison = ["sh", "-c", "test -e /data/poison && exit 3; trap 'exit 0' TERM; while true; do sleep 1; done"]

    @Test func aContainerWithTheWrongMountIsRecreatedWithTheManifestsMountAndKeepsTheRest() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let web = scene.container("web")
        let wrong = scene.volume("wrong")
        let media = scene.volume("media")
        try scene.engine.podman(["volume", "create", media])
        try scene.engine.run(web, ["-v", "\(wrong):/data", "--label", "kept=yes", "-e", "DJANGO_DEBUG=0"], command: Self.stoppable)
        let oldID = try inspect(scene.engine, web, "{{.Id}}")
        let result = try await recreate(web, mounting: media, in: scene)
        #expect(!result.failed, "\(result.cause ?? "") \(result.actions)")
        #expect(result.actions.map { "\($0.status.rawValue) \($0.action)" } == ["applied docker recreate \(web)"])
        #expect(result.findings.nonEmptyAllSatisfy { $0.status == .ok }, "\(result.findings.map(\.message))")
        #expect(try inspect(scene.engine, web, "{{.Id}}") != oldID)
        #expect(try state(scene.engine, web) == "running")
        #expect(try inspect(scene.engine, web, "{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}").contains("\(media):/data"))
        #expect(try inspect(scene.engine, web, "{{.Config.Labels.kept}}") == "yes")
        #expect(try inspect(scene.engine, web, "{{.Config.Env}}").contains("DJANGO_DEBUG=0"))
        #expect(try containers(named: web, scene) == [Substring(web)], "the parked old container is removed once verified")
    }

    @Test func aReplacementThatExitsAtOnceIsRemovedAndTheOldContainerRunsAgainUnderItsName() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let web = scene.container("web")
        let directory = try TemporaryDirectory(prefix: "reconcile-poison")
        _ = try directory.write("poison", "")
        try scene.engine.run(web, [], command: Self.refusesPoison)
        let oldID = try inspect(scene.engine, web, "{{.Id}}")
        let result = try await recreate(web, mounting: directory.path, in: scene)
        #expect(result.failed)
        #expect(result.actions.map { "\($0.status.rawValue) \($0.action)" } == ["failed docker recreate \(web)"])
        #expect(result.actions.first?.detail?.contains("did not stay running") == true, "\(result.actions)")
        #expect(try inspect(scene.engine, web, "{{.Id}}") == oldID)
        #expect(try state(scene.engine, web) == "running")
        #expect(try containers(named: web, scene) == [Substring(web)], "only the old container is left")
    }

    @Test func undoBringsTheOldContainerBackWhenALaterActionFails() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let web = scene.container("web")
        let backend = scene.container("backend")
        let media = scene.volume("media")
        try scene.engine.podman(["volume", "create", media])
        try scene.engine.run(web, [], command: Self.stoppable)
        try scene.engine.run(backend, [])
        let oldID = try inspect(scene.engine, web, "{{.Id}}")
        let result = try await apply(
            """
            docker:
              endpoint: \(scene.engine.endpoint)
              containers:
                - { name: \(web), mounts: ["\(media):/data"] }
                - { name: \(backend), restart_policy: unless-stopped }
            apply: { docker: [recreate, restart_policy], verify: [] }
            """)
        // Podman 4.3 answers the update with 404 (see above): the recreate before it is undone.
        #expect(result.failed)
        #expect(
            result.actions.map { "\($0.status.rawValue) \($0.action)" } == [
                "rolled_back docker recreate \(web)", "failed docker update --restart=unless-stopped \(backend)",
            ])
        #expect(try inspect(scene.engine, web, "{{.Id}}") == oldID)
        #expect(try state(scene.engine, web) == "running")
        #expect(try containers(named: web, scene) == [Substring(web)], "the replacement is gone")
    }
}
