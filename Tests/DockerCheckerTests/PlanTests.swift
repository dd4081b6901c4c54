import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DockerChecker

/// The pure plan, on the scene captured from Podman: which drift gets which engine call,
/// and which stays manual.
@Suite("docker: the plan")
struct PlanTests {
    /// The findings on the captured scene, and the plan's remedies by finding index.
    func planned(_ yaml: String) throws -> (findings: [Finding], remedies: [Int: Remedy]) {
        let spec = try SpecText.decode(yaml)
        let observation = try EngineFixtures.podmanScene()
        let findings = DockerChecker().compare(spec, with: observation)
        return (findings, DockerChecker().plan(spec, observation: observation, findings: findings))
    }

    /// Each drift finding's remedy, as "resource: summary" or "resource: manual: …".
    func plan(_ yaml: String) throws -> [String] {
        let (findings, remedies) = try planned(yaml)
        return findings.indices.compactMap { index in
            switch remedies[index] {
            case .action(let action)?: "\(findings[index].resource): \(action.summary) [\(action.permission)]"
            case .manual(let reason)?: "\(findings[index].resource): manual: \(reason)"
            case nil: nil
            }
        }
    }

    /// The action planned for the first finding, if it is one.
    func firstAction(_ yaml: String) throws -> Action? {
        guard case .action(let action)? = try planned(yaml).remedies[0] else { return nil }
        return action
    }

    @Test func stoppedContainersAreStartedAndMissingVolumesCreated() throws {
        let lines = try plan(
            """
            containers:
              - { name: db, state: running }
              - { name: worker, state: running }
            volumes: [uploads]
            """)
        #expect(
            lines == [
                "db: docker start db [docker.start]", "worker: docker start worker [docker.start]",
                "volume uploads: docker volume create uploads [docker.volumes]",
            ])
    }

    @Test func aRestartPolicyIsUpdatedInPlaceWithThePreviousOneKeptForUndo() throws {
        let action = try #require(try firstAction("containers:\n  - { name: backend, restart_policy: always }\n"))
        let observation = try EngineFixtures.podmanScene()
        #expect(action.summary == "docker update --restart=always backend")
        #expect(action.before == "unless-stopped" && action.after == "always")
        let fix = try JSONDecoder().decode(DockerFix.self, from: Data(action.payload.utf8))
        #expect(fix.previousPolicy == RestartPolicy(.unlessStopped))
        #expect(fix.version == observation.engine?.negotiatedVersion)
    }

    @Test func aRunningContainerWithAnotherImageIsRecreatedAndEnvironmentStaysManual() throws {
        let lines = try plan("containers:\n  - { name: backend, image: other:latest }\n")
        #expect(lines == ["backend: docker recreate backend [docker.recreate]"])
        let environment = try plan("containers:\n  - { name: backend, environment: [NOT_SET_ANYWHERE] }\n")
        #expect(environment == ["backend: manual: \(DockerChecker.manualReason)"])
    }

    /// The plan resolves a relative compose bind source as the verdict did, so the mount
    /// drift gets its recreate (with the absolute path), not "manual".
    @Test func aRelativeComposeBindAtTheRecordedProjectDirectoryIsRecreatedWithItsAbsolutePath() throws {
        let compose = try ComposeLoader.derive(
            "services:\n  backend:\n    image: x\n    volumes: [\"./media:/app/media\"]\n",
            reference: ComposeReference(file: "deploy/compose.yaml", project: "rims"), values: [:])
        let live = ContainerObservation(
            id: "c1", name: "rims-backend-1", state: "running", image: "x",
            mounts: [MountObservation(type: "bind", source: "/srv/old/media", target: "/app/media", readOnly: false)],
            composeProject: "rims", composeService: "backend", composeWorkingDir: "/srv/rims")
        var observation = EngineFixtures.adding(live, to: try EngineFixtures.podmanScene())
        observation.compose = compose
        let spec = DockerSpec(compose: ComposeReference(file: "deploy/compose.yaml", project: "rims"))
        let findings = DockerChecker().compare(spec, with: observation)
        let index = try #require(findings.firstIndex { $0.resource == "rims-backend-1" && $0.status == .drift })
        guard case .action(let action)? = DockerChecker().plan(spec, observation: observation, findings: findings)[index] else {
            Issue.record("no action for \(findings[index].message)")
            return
        }
        let fix = try JSONDecoder().decode(DockerFix.self, from: Data(action.payload.utf8))
        #expect(fix.mounts == [MountSpec(source: .bind("/srv/rims/media"), target: "/app/media")])
    }

    @Test func aRestartPolicyCanAlsoBeSetByRecreatingAndIsWhenARecreateIsDueAnyway() throws {
        let update = try #require(try firstAction("containers:\n  - { name: backend, restart_policy: always }\n"))
        #expect(update.alternatives.map(\.summary) == ["docker recreate backend"])
        let recreate = try JSONDecoder().decode(DockerFix.self, from: Data(update.alternatives[0].payload.utf8))
        #expect(recreate.kind == .recreate && recreate.policy == RestartPolicy(.always))

        let both = try plan("containers:\n  - { name: backend, restart_policy: always, image: other:latest }\n")
        #expect(both == ["backend: docker recreate backend [docker.recreate]", "backend: docker recreate backend [docker.recreate]"])
    }

    @Test func environmentValuesAreSetByRecreatingNamesAloneStayManual() throws {
        let lines = try plan("containers:\n  - { name: backend, environment: { DJANGO_SETTINGS_MODULE: other.settings } }\n")
        #expect(lines == ["backend: docker recreate backend [docker.recreate]"])
    }

    @Test func stoppingARunningContainerIsNotAnActionReconcileTakes() throws {
        let lines = try plan("containers:\n  - { name: backend, state: exited }\n")
        #expect(lines == ["backend: manual: reconcile only starts stopped containers; bring it to exited by hand"])
    }
}
