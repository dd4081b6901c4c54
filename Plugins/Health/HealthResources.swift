import ReconcileKit

extension HealthChecker: ResourceDescribing {
    /// Each check is a resource with every key of its item.
    public static let describedKeys = DescribedKeys.all

    /// Each health URL with its expectations; a token is named by where it comes from,
    /// never read.
    public func resources(of spec: HealthSpec, in desired: DesiredState) -> [DesiredResource] {
        spec.checks.map { check in
            let token: String
            switch check.token {
            case .environment(let name)?: token = "env \(name)"
            case .file(let path)?: token = "file \(path)"
            case nil: token = ""
            }
            return DesiredResource(
                checker: Self.identifier, kind: "health", name: check.name,
                fields: [
                    .init("url", check.url), .init("method", check.method), .init("expect.status", String(check.expectedStatus)),
                    .init("expect.body_contains", check.bodyContains ?? ""),
                    .init("expect.max_latency_ms", check.maxLatencyMilliseconds.map(String.init) ?? ""),
                    .init("bearer_token", token), .init("timeout_ms", String(check.timeoutMilliseconds)),
                    .init("retries", String(check.retries)), .init("follow_redirects", String(check.followRedirects)),
                    .init("ca_file", check.caFile ?? ""),
                ], position: check.position)
        }
    }
}
