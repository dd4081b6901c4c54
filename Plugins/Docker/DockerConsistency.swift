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
    /// checks of other sections that need a container's mounts.
    public func declaredContainers(source: any DesiredStateSource) -> [ContainerSpec] {
        Pairing.desiredContainers(self, compose: compose.map { ComposeLoader.load($0, source: source, environment: [:]) })
    }
}

extension ContainerSpec {
    /// True when `name` is this container's name or its compose service's.
    public func isNamed(_ name: String) -> Bool { self.name == name || composeService == name }
}
