import ReconcileKit

/// How to recreate one container with a mount it lacks, for checkers that read
/// containers through the Docker observation (the media chain): with compose when
/// compose owns the container (its labels) or the manifest names a compose file, else
/// with the same `docker run` the Docker finding prints (`Fixes.recreate`), so the two
/// findings of one drift never disagree about how the container was made.
public struct ContainerRepair: Sendable, Hashable {
    let container: ContainerObservation
    /// The compose file's spec of this container, or the project the manifest's compose
    /// file names (nil when the manifest names none).
    let composeSpec: ContainerSpec?
    let composeProject: String?
    /// The engine's volumes, to tell a volume's directory from a host path.
    let volumes: [VolumeObservation]

    /// nil when `name` was not inspected (then there is nothing to recreate from).
    public init?(_ name: String, in observation: DockerObservation) {
        guard let container = observation.container(named: name) else { return nil }
        self.container = container
        composeSpec = observation.compose?.containers.first { spec in
            spec.name == container.name || (spec.composeService != nil && spec.composeService == container.composeService)
        }
        composeProject = observation.compose?.project
        volumes = observation.volumes ?? []
    }

    /// The fix that mounts `hostPath` at `target`: the volume whose directory it is
    /// (a listed volume, or an engine's `…/volumes/NAME/_data`), else a bind of it.
    public func mounting(_ hostPath: String, at target: String, because reason: String) -> Fix {
        let mount = MountSpec(source: source(of: hostPath), target: target)
        var spec =
            composeSpec
            ?? ContainerSpec(
                name: container.name, composeProject: container.composeProject ?? composeProject,
                composeService: container.composeService)
        let service = spec.serviceName
        let project = spec.composeProject
        spec = ContainerSpec(name: spec.name, mounts: [mount], composeProject: project, composeService: spec.composeService)
        return Fixes.recreate(
            FixContext(spec: spec, container: container), because: reason,
            snippet: DockerVerdict.composeMountsSnippet([mount], service: service, project: project))
    }

    func source(of hostPath: String) -> MountSpec.Source {
        let path = MountSpec.normalisedPath(hostPath)
        if let volume = volumes.first(where: { MountSpec.normalisedPath($0.mountpoint) == path }) {
            return .volume(volume.name)
        }
        let parts = path.split(separator: "/")
        if parts.count >= 3, parts[parts.count - 1] == "_data", parts[parts.count - 3] == "volumes" {
            return .volume(String(parts[parts.count - 2]))
        }
        return .bind(path)
    }
}
