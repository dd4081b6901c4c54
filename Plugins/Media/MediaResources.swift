import ReconcileKit

extension MediaChecker: ResourceDescribing {
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
