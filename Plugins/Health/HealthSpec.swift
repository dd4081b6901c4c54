import ReconcileKit

/// The `health:` section: URLs that prove the stack works end to end, each with what
/// it must answer. Secrets are named (an environment variable or a file), never written
/// into the manifest.
public struct HealthSpec: ManifestSection, TrustSensitive {
    public static let key = "health"
    public static let summary = "URLs that prove the stack works end to end."
    public static let shape = ManifestShape.list(.object(HealthCheckSpec.object))

    public let checks: [HealthCheckSpec]
    /// Each `bearer_token_env` and `bearer_token_file`, where it is written, for
    /// `reconcile validate`.
    public private(set) var trustFields: [TrustField] = []

    public init(checks: [HealthCheckSpec]) {
        self.checks = checks
    }

    public init(from node: ManifestNode) throws {
        // A bad entry is reported and skipped, so one validation run lists the errors of
        // every entry (the reported errors fail the manifest as a whole).
        var checks: [HealthCheckSpec] = []
        for item in try node.list() {
            do {
                checks.append(try HealthCheckSpec(from: item, trustFields: &trustFields))
            } catch let error as ManifestError {
                node.report(error)
            }
        }
        self.checks = checks
        var seen: [String: SourcePosition] = [:]
        for check in checks {
            if let first = seen[check.name] {
                throw ManifestError(
                    position: check.position, keyPath: "health",
                    message: "duplicate health check name '\(check.name)' (first at line \(first.line))")
            }
            seen[check.name] = check.position
        }
    }
}

/// One health check: a request and its expectations.
public struct HealthCheckSpec: Sendable, Hashable {
    public var name: String
    public var url: String
    public var method = "GET"
    public var token: TokenSource?
    public var expectedStatus = 200
    public var bodyContains: String?
    public var maxLatencyMilliseconds: Int?
    public var timeoutMilliseconds = 5000
    public var retries = 0
    public var followRedirects = false
    public var caFile: String?
    public var position = SourcePosition(file: "-", line: 1, column: 1)

    static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    static let expect = ManifestObject([
        .required("status", .integer(100...599), "The HTTP status the URL must answer."),
        .optional("body_contains", .string(.nonEmpty), "Text the body must contain."),
        .optional("max_latency_ms", .integer(1...600_000), "Slower than this is drift."),
    ])
    static let object = ManifestObject(
        [
            .required("name", .string(.nonEmpty), "Names the check in reports."),
            .required("url", .string(.url(schemes: ["http", "https"])), "The URL to request."),
            .optional("method", .string(.choice(methods, ignoringCase: true)), "The HTTP method (default GET)."),
            .optional(
                "bearer_token_env", .string(.nonEmpty), "The environment variable holding the bearer token (never the token itself)."),
            .optional("bearer_token_file", .string(.nonEmpty), "A file holding a bearer token."),
            .required("expect", .object(expect), "What the answer must be."),
            .optional("timeout_ms", .integer(1...600_000), "Per attempt (default 5000)."),
            .optional("retries", .integer(0...10), "Attempts after the first (default 0)."),
            .optional("follow_redirects", .boolean, "Follow redirects (default false)."),
            .optional("ca_file", .string(.nonEmpty), "A CA bundle for TLS."),
        ],
        exclusive: [
            ExclusiveKeys(
                ["bearer_token_env", "bearer_token_file"],
                conflict: "give either bearer_token_env or bearer_token_file, not both")
        ])

}

extension HealthCheckSpec {
    init(from node: ManifestNode, trustFields: inout [TrustField]) throws {
        let map = try node.mapping(Self.object)
        position = node.position
        name = try map.required("name").string()
        url = try map.required("url").string()
        method = try map.optional("method")?.string().uppercased() ?? "GET"
        if let node = map.optional("bearer_token_env") {
            let name = try node.string()
            token = .environment(name)
            trustFields.append(TrustField(.tokenVariable(name), at: node))
        } else if let node = map.optional("bearer_token_file") {
            let path = try node.string()
            token = .file(path)
            trustFields.append(TrustField(.tokenFile(path), at: node))
        } else {
            token = nil
        }
        let expect = try map.required("expect").mapping(Self.expect)
        expectedStatus = try expect.required("status").int()
        bodyContains = try expect.optional("body_contains")?.string()
        maxLatencyMilliseconds = try expect.optional("max_latency_ms")?.int()
        timeoutMilliseconds = try map.optional("timeout_ms")?.int() ?? 5000
        retries = try map.optional("retries")?.int() ?? 0
        followRedirects = try map.optional("follow_redirects")?.bool() ?? false
        caFile = try map.optional("ca_file")?.string()
    }
}
