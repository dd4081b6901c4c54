import ReconcileKit

extension MediaChecker: ResourceDescribing {
    /// Each chain is a resource with every key of its item.
    public static let describedKeys = DescribedKeys.all

    public func resources(of spec: MediaSpec, in desired: DesiredState) -> [DesiredResource] {
        spec.chains.map { chain in
            DesiredResource(
                checker: Self.identifier, kind: "mount", name: chain.name,
                fields: [
                    .init("container", chain.container), .init("container_path", chain.containerPath),
                    .init("host_path", chain.hostPath), .init("served_at", chain.servedAt),
                    .init("caddy_container", chain.caddyContainer ?? ""),
                ], position: chain.position)
        }
    }
}
