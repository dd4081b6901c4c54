import ReconcileKit

extension DockerChecker: ResourceDescribing {
    /// `endpoint` and the `compose` reference are planned by their values.
    public static let describedKeys = DescribedKeys.only(["containers", "volumes"])

    /// Containers (the compose file's services included, read at the ref) and named
    /// volumes; only the fields the manifest pins are listed, as only those are checked.
    public func resources(of spec: DockerSpec, in desired: DesiredState) -> [DesiredResource] {
        let compose = spec.compose.map { ComposeLoader.load($0, source: desired.source, environment: [:]) }
        let containers = Pairing.desiredContainers(spec, compose: compose).map { container in
            DesiredResource(
                checker: Self.identifier, kind: "container", name: container.name,
                fields: [
                    .init("state", container.state?.rawValue ?? ""), .init("image", container.image ?? ""),
                    .init("restart_policy", container.restartPolicy?.description ?? ""),
                    .init("ports", container.ports?.map(\.description).sorted().joined(separator: ", ") ?? ""),
                    .init("mounts", container.mounts?.map(\.description).sorted().joined(separator: ", ") ?? ""),
                    .init("environment", Self.environmentField(container)),
                ], position: container.position)
        }
        let volumes = Pairing.desiredVolumes(spec, compose: compose).map { volume in
            DesiredResource(
                checker: Self.identifier, kind: "volume", name: volume.name, fields: [.init("driver", volume.driver ?? "")],
                position: volume.position)
        }
        return containers + volumes
    }

    /// The variable names, each with `=value` where the manifest gives one, so a plan
    /// shows a changed value; a value that looks secret (by its name or itself) is a
    /// ``SecretFingerprint``, never the value.
    static func environmentField(_ container: ContainerSpec) -> String {
        (container.environment ?? []).sorted().map { name in
            guard let value = container.environmentValues[name] else { return name }
            return "\(name)=\(SecretName.hides(name, value) ? SecretFingerprint.of(value) : value)"
        }.joined(separator: ", ")
    }
}
