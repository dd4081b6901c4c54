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
}
