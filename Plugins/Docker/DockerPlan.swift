import Foundation
import ReconcileKit

/// What a Docker action carries from the plan to `apply` (its `payload`).
struct DockerFix: Codable, Hashable {
    enum Kind: String, Codable { case start, restartPolicy, createVolume, recreate }

    var kind: Kind
    /// The endpoint and API version the plan's observation used.
    var endpoint: String
    var version: String
    /// The container's id, or the volume's name.
    var target: String
    var policy: RestartPolicy?
    /// The policy before, for undo.
    var previousPolicy: RestartPolicy?
    var driver: String?
    /// Recreate: the container's name, and the manifest's fields the new one gets.
    var name = ""
    var image: String?
    var ports: [PortBinding]?
    var mounts: [MountSpec]?
    /// Recreate: the variables whose values the replacement gets (never rendered).
    var environment: [String: String]?
}

extension DockerFix {
    /// This fix turned into the recreate of the container `name` with the manifest's
    /// image, ports, mounts, restart policy and environment values: what `apply` does,
    /// and what a printed `docker run` changes (`RecreateRun`).
    func recreating(_ name: String, as container: ContainerSpec) -> DockerFix {
        var fix = self
        fix.kind = .recreate
        fix.name = name
        (fix.image, fix.ports, fix.mounts) = (container.image, container.ports, container.mounts)
        (fix.policy, fix.environment) = (container.restartPolicy, container.environmentValues)
        return fix
    }

    /// Whether the old container's mount at `target` carries over: the manifest's
    /// mounts replace those at their targets, every other one stays.
    func keepsMount(at target: String) -> Bool {
        !(mounts ?? []).contains { $0.target == MountSpec.normalisedPath(target) }
    }
}

/// The pure half of Docker's repairs: which engine calls make the containers and volumes
/// read as desired, from the same pairing the comparison did.
///
/// Start a stopped container (`apply.docker: [start]`), change a restart policy in place
/// (`restart_policy`), create a missing named volume (`volumes`), and replace a running
/// container whose image, ports, mounts or environment values differ (`recreate`; never
/// one started with `--rm`, which is manual with the reason apply would give), which
/// also changes a restart policy when the policy does not allow the update or the engine
/// lacks the call. Variables the manifest only names stay manual: it has no value to set.
enum DockerPlan {
    static func remedies(_ spec: DockerSpec, _ observation: DockerObservation, _ findings: [Finding]) -> [Int: Remedy] {
        guard observation.problem == nil, let version = observation.engine?.negotiatedVersion else { return [:] }
        var byKey: [String: Remedy] = [:]
        for desired in Pairing.desiredContainers(spec, compose: observation.compose) {
            guard let summary = Pairing.match(desired, in: observation.containers),
                let live = observation.inspected[summary.id]
            else { continue }
            // As the verdict judged it: relative bind sources at the recorded project directory.
            var container = desired.resolvingRelativeBinds(against: live.composeWorkingDir)
            if live.usesHostNetwork, let ports = container.ports {
                // A recreate keeps the host's network, where published ports are discarded.
                byKey[key(container.name, DockerVerdict.expectedPorts(ports))] = .manual(DockerVerdict.hostNetworkFix)
                container.ports = nil
            }
            let fix = DockerFix(kind: .start, endpoint: observation.endpoint, version: version, target: live.id)
            if let wanted = container.state, wanted.rawValue != live.state {
                byKey[key(container.name, wanted.rawValue)] =
                    wanted == .running && ["exited", "created"].contains(live.state)
                    ? .action(
                        Action(
                            checker: DockerVerdict.checker, resource: container.name, summary: "docker start \(live.name)",
                            before: DockerVerdict.describeState(live), after: "running", permission: "docker.start",
                            payload: encode(fix)))
                    : .manual("reconcile only starts stopped containers; bring it to \(wanted.rawValue) by hand")
            }
            var recreate = recreateAction(container, live, fix)
            if recreate != nil, live.autoRemove == true {
                recreate = nil
                let refusal = Remedy.manual(DockerRecreate.refusal(autoRemoving: live.name))
                for expected in recreateKeys(container) { byKey[key(container.name, expected)] = refusal }
            }
            if let recreate {
                for expected in recreateKeys(container) { byKey[key(container.name, expected)] = .action(recreate) }
            }
            if let wanted = container.restartPolicy, !wanted.isSatisfied(by: live.restartPolicy) {
                var update = fix
                update.kind = .restartPolicy
                update.policy = wanted
                update.previousPolicy = live.restartPolicy
                var inPlace = Action(
                    checker: DockerVerdict.checker, resource: container.name,
                    summary: "docker update --restart=\(wanted) \(live.name)", before: live.restartPolicy.description,
                    after: wanted.description, permission: "docker.restart_policy", payload: encode(update))
                // Changed in place, else (not allowed, or an engine without the update
                // call) by the recreate; the recreate first when one is due anyway.
                let recreating = findings.contains { finding in
                    finding.status == .drift && finding.resource == container.name
                        && recreateKeys(container).contains(finding.expected ?? "")
                }
                if var recreate, recreating {
                    recreate.alternatives = [inPlace]
                    inPlace = recreate
                } else if let recreate {
                    inPlace.alternatives = [recreate]
                }
                byKey[key(container.name, wanted.description)] = .action(inPlace)
            }
        }
        if let volumes = observation.volumes {
            for volume in Pairing.desiredVolumes(spec, compose: observation.compose)
            where !volumes.contains(where: { $0.name == volume.name }) {
                let fix = DockerFix(
                    kind: .createVolume, endpoint: observation.endpoint, version: version, target: volume.name,
                    driver: volume.driver)
                byKey[key("volume \(volume.name)", "exists")] = .action(
                    Action(
                        checker: DockerVerdict.checker, resource: "volume \(volume.name)",
                        summary: "docker volume create \(volume.name)", before: "missing", after: "exists",
                        permission: "docker.volumes", payload: encode(fix)))
            }
        }
        var result: [Int: Remedy] = [:]
        for (index, finding) in findings.enumerated() where finding.status == .drift {
            result[index] = byKey[key(finding.resource, finding.expected ?? "")] ?? .manual(DockerChecker.manualReason)
        }
        return result
    }

    /// Replacing a running container with one made from the manifest's image, ports,
    /// mounts, restart policy and environment values; nil when there is nothing to
    /// replace from or the result could not be made (a stopped container, a bind of a
    /// relative path).
    static func recreateAction(_ container: ContainerSpec, _ live: ContainerObservation, _ base: DockerFix) -> Action? {
        var given: [String] = []
        if container.image != nil { given.append("image") }
        if container.ports != nil { given.append("ports") }
        if container.mounts != nil { given.append("mounts") }
        if container.restartPolicy != nil { given.append("restart policy") }
        if !container.environmentValues.isEmpty { given.append("environment (\(DockerVerdict.expectedEnvironment(container)))") }
        guard live.state == "running", container.state == nil || container.state == .running, !given.isEmpty,
            !(container.mounts ?? []).contains(where: { $0.source == .bind(nil) })
        else { return nil }
        let fix = base.recreating(live.name, as: container)
        return Action(
            checker: DockerVerdict.checker, resource: container.name, summary: "docker recreate \(live.name)",
            before: "container \(live.id.prefix(12)) (\(live.image))",
            after: "a new container with the manifest's \(given.joined(separator: ", "))", permission: "docker.recreate",
            payload: encode(fix))
    }

    /// The `expected` texts of the findings a recreate answers (image, ports, mounts,
    /// environment values; a restart policy is changed in place first).
    static func recreateKeys(_ container: ContainerSpec) -> [String] {
        [
            container.image, container.ports.map(DockerVerdict.expectedPorts), container.mounts.map(DockerVerdict.expectedMounts),
            container.environmentValues.isEmpty ? nil : DockerVerdict.expectedEnvironment(container),
        ]
        .compactMap { $0 }
    }

    static func key(_ resource: String, _ expected: String) -> String { "\(resource)\u{0}\(expected)" }

    static func encode(_ fix: DockerFix) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(fix)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
