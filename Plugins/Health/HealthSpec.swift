import ReconcileKit

/// The `health:` section: URLs that prove the stack works end to end, each with what
/// it must answer. Secrets are named (an environment variable or a file), never written
/// into the manifest.
public struct HealthSpec: ManifestSection {
    public static let key = "health"

    public let checks: [HealthCheckSpec]

    public init(checks: [HealthCheckSpec]) {
        self.checks = checks
    }

    public init(from node: ManifestNode) throws {
        // A bad entry is reported and skipped, so one validation run lists the errors of
        // every entry (the reported errors fail the manifest as a whole).
        var checks: [HealthCheckSpec] = []
        for item in try node.list() {
            do {
                checks.append(try HealthCheckSpec(from: item))
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

/// Where a bearer token comes from.
public enum TokenSource: Sendable, Hashable {
    case environment(String)
    case file(String)
}

/// One health check: a request and its expectations.
public struct HealthCheckSpec: Sendable, Hashable {
    public var name: String
    public var url: String
    public var method: String
    public var token: TokenSource?
    public var expectedStatus: Int
    public var bodyContains: String?
    public var maxLatencyMilliseconds: Int?
    public var timeoutMilliseconds: Int
    public var retries: Int
    public var followRedirects: Bool
    public var caFile: String?
    public var position: SourcePosition

    static let keys = [
        "name", "url", "method", "bearer_token_env", "bearer_token_file", "expect", "timeout_ms", "retries",
        "follow_redirects", "ca_file",
    ]
    static let expectKeys = ["status", "body_contains", "max_latency_ms"]
    static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    public init(
        name: String, url: String, method: String = "GET", token: TokenSource? = nil, expectedStatus: Int = 200,
        bodyContains: String? = nil, maxLatencyMilliseconds: Int? = nil, timeoutMilliseconds: Int = 5000,
        retries: Int = 0, followRedirects: Bool = false, caFile: String? = nil,
        position: SourcePosition = SourcePosition(file: "-", line: 1, column: 1)
    ) {
        self.name = name
        self.url = url
        self.method = method
        self.token = token
        self.expectedStatus = expectedStatus
        self.bodyContains = bodyContains
        self.maxLatencyMilliseconds = maxLatencyMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.retries = retries
        self.followRedirects = followRedirects
        self.caFile = caFile
        self.position = position
    }

    init(from node: ManifestNode) throws {
        let map = try node.mapping(allowedKeys: Self.keys)
        position = node.position
        name = try map.required("name").nonEmptyString()
        url = try map.required("url").url(schemes: ["http", "https"])
        if let methodNode = map.optional("method") {
            let text = try methodNode.string().uppercased()
            guard Self.methods.contains(text) else {
                throw methodNode.error("'\(text)' is not an HTTP method (\(Self.methods.joined(separator: ", ")))")
            }
            method = text
        } else {
            method = "GET"
        }
        let environment = try map.optional("bearer_token_env")?.nonEmptyString()
        let file = try map.optional("bearer_token_file")?.nonEmptyString()
        switch (environment, file) {
        case (let name?, nil): token = .environment(name)
        case (nil, let path?): token = .file(path)
        case (nil, nil): token = nil
        case (.some, .some):
            throw map.node.error("give either bearer_token_env or bearer_token_file, not both")
        }
        let expect = try map.required("expect").mapping(allowedKeys: Self.expectKeys)
        expectedStatus = try expect.required("status").int(in: 100...599)
        bodyContains = try expect.optional("body_contains")?.nonEmptyString()
        maxLatencyMilliseconds = try expect.optional("max_latency_ms")?.int(in: 1...600_000)
        timeoutMilliseconds = try map.optional("timeout_ms")?.int(in: 1...600_000) ?? 5000
        retries = try map.optional("retries")?.int(in: 0...10) ?? 0
        followRedirects = try map.optional("follow_redirects")?.bool() ?? false
        caFile = try map.optional("ca_file")?.nonEmptyString()
    }
}
