import ReconcileKit

extension DockerChecker: ConsistencyChecking {
    public static let consistencyRules = [ConsistencyRule.referencedFileMissing] + ComposeLint.rules

    public func consistency(of spec: DockerSpec, in desired: DesiredState) -> [ConsistencyProblem] {
        spec.compose.map { ComposeLint.problems($0, in: desired) } ?? []
    }
}

extension DockerSpec {
    /// The containers the desired state names: `containers:`, then the compose file's
    /// services (read at the same ref; without variables from the environment), for
    /// checks of other sections that need a container's mounts. Nil when the compose file
    /// is missing or cannot be read: what it declares is unknown (`referenced-file-missing`
    /// or `compose-invalid` says why), so no other check may call a service absent.
    public func declaredContainers(source: any DesiredStateSource) -> [ContainerSpec]? {
        let loaded = compose.map { ComposeLoader.load($0, source: source, environment: [:]) }
        if loaded?.problem != nil { return nil }
        return Pairing.desiredContainers(self, compose: loaded)
    }
}

extension ContainerSpec {
    /// True when `name` is this container's name or its compose service's.
    public func isNamed(_ name: String) -> Bool { self.name == name || composeService == name }
}
