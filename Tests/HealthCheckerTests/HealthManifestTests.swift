import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import HealthChecker

/// The `health:` section as the decoder sees it: the broken fixtures of
/// Tests/Fixtures/manifests/broken each give exactly these errors at these positions
/// (the same files are checked against the JSON Schema end to end).
@Suite struct HealthManifestTests {
    static let allowedTop = "(allowed: apiVersion, kind, name, vars, apply, notify, trust, plugins, health)"
    static let allowedCheck =
        "(allowed: name, url, method, bearer_token_env, bearer_token_file, expect, timeout_ms, retries, follow_redirects, ca_file)"

    static let broken: [(String, [String])] = [
        (
            "yaml-unclosed-quote",
            [
                "3:7: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 3)"
            ]
        ),
        ("yaml-bad-indentation", ["5:9: invalid YAML: mapping values are not allowed in this context"]),
        ("empty", ["1:1: the manifest is empty; it needs at least apiVersion: reconcile/v1"]),
        (
            "wrong-api-version",
            [
                "1:13: apiVersion: unsupported apiVersion 'reconcile/v2'; this reconcile reads reconcile/v1"
            ]
        ),
        ("duplicate-key", ["4:1: name: duplicate key 'name' (first at line 3)"]),
        ("top-unknown-key", ["3:1: helth: unknown key 'helth'; did you mean 'health'? \(allowedTop)"]),
        ("health-not-a-list", ["4:3: health: expected a list, found a mapping"]),
        (
            "health-unknown-key",
            [
                "6:5: health[0].retires: unknown key 'retires'; did you mean 'retries'? \(allowedCheck)"
            ]
        ),
        (
            "health-unknown-expect-key",
            [
                "8:7: health[0].expect.body_contain: unknown key 'body_contain'; did you mean 'body_contains'? (allowed: status, body_contains, max_latency_ms)"
            ]
        ),
        ("health-status-string", ["6:23: health[0].expect.status: expected an integer, found string '200'"]),
        ("health-status-out-of-range", ["6:23: health[0].expect.status: 999 is out of range 100...599"]),
        ("health-url-list", ["5:10: health[0].url: expected a string, found a list"]),
        ("health-bool-yes", ["6:23: health[0].follow_redirects: expected true or false, found string 'yes'"]),
        (
            "health-url-no-scheme",
            [
                "5:10: health[0].url: '127.0.0.1:8000/api/health/' is not a URL (expected http:// or https://…)"
            ]
        ),
        (
            "health-url-unsupported-scheme",
            [
                "5:10: health[0].url: unsupported URL scheme 'ftp' in 'ftp://127.0.0.1/api/health/'; use http, https"
            ]
        ),
        ("health-url-no-host", ["5:10: health[0].url: 'https:///api/health/' has no host"]),
        (
            "health-unknown-variable",
            [
                "7:10: health[0].url: unknown variable ${domian}; did you mean 'domain'? (define it under vars: or pass --var domian=VALUE)"
            ]
        ),
        ("health-missing-url", ["4:5: health[0]: missing required key 'url'"]),
        ("health-missing-expect", ["4:5: health[0]: missing required key 'expect'"]),
        (
            "health-both-token-sources",
            [
                "4:5: health[0]: give either bearer_token_env or bearer_token_file, not both"
            ]
        ),
        (
            "health-token-in-manifest",
            [
                "6:5: health[0].bearer_token: unknown key 'bearer_token'; did you mean 'bearer_token_env'? \(allowedCheck)"
            ]
        ),
        (
            "health-bad-method",
            [
                "6:13: health[0].method: 'FETCH' is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS; did you mean 'PATCH'?"
            ]
        ),
        ("health-duplicate-name", ["7:5: health: duplicate health check name 'api' (first at line 4)"]),
        (
            "health-several-errors",
            [
                "5:10: health[0].url: unsupported URL scheme 'ftp' in 'ftp://127.0.0.1/api/health/'; use http, https",
                "9:23: health[1].expect.status: expected an integer, found string 'ok'",
                "12:5: health[2].timeout: unknown key 'timeout'; did you mean 'timeout_ms'? \(allowedCheck)",
            ]
        ),
    ]

    @Test("a broken manifest gives exactly these errors", arguments: broken)
    func brokenFixture(_ name: String, _ expected: [String]) throws {
        let file = "broken/\(name).yaml"
        let text = try Fixtures.text("manifests/\(file)")
        #expect(errorLines(text, file: file) == expected.map { "\(file):\($0)" })
    }

    @Test func everyBrokenFixtureIsInTheTable() throws {
        // The other sections' fixtures are SchemaTests'.
        let otherSections = ["caddy-", "docker-", "django-", "mounts-", "vars-", "host-", "trust-"]
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.fixture("manifests/broken"))
            .filter { name in !otherSections.contains { name.hasPrefix($0) } }
        #expect(Set(files) == Set(Self.broken.map { "\($0.0).yaml" }))
    }

    @Test func validFixturesDecode() throws {
        for name in ["minimal", "health-every-option"] {
            let text = try Fixtures.text("manifests/valid/\(name).yaml")
            #expect(errorLines(text, file: "\(name).yaml") == [])
        }
    }

    @Test func aCheckDecodesWithDefaultsForWhatIsNotWritten() async throws {
        let spec = try await Self.spec(
            """
            health:
              - name: api
                url: http://127.0.0.1:8000/api/health/
                expect: { status: 200 }
            """)
        #expect(
            spec.checks == [
                HealthCheckSpec(
                    name: "api", url: "http://127.0.0.1:8000/api/health/", method: "GET", token: nil,
                    expectedStatus: 200, bodyContains: nil, maxLatencyMilliseconds: nil, timeoutMilliseconds: 5000,
                    retries: 0, followRedirects: false, caFile: nil,
                    position: SourcePosition(file: "test.yaml", line: 4, column: 5))
            ])
    }

    @Test func everyOptionDecodes() async throws {
        let text = try Fixtures.text("manifests/valid/health-every-option.yaml")
        let spec = try await Self.spec(text, header: false)
        #expect(spec.checks.count == 4)
        let api = spec.checks[0]
        #expect(api.url == "http://127.0.0.1:8000/api/health/")
        #expect(api.method == "HEAD")
        #expect(api.bodyContains == "ok")
        #expect(api.maxLatencyMilliseconds == 500)
        #expect(api.timeoutMilliseconds == 2000)
        #expect(api.retries == 2)
        #expect(api.followRedirects)
        #expect(spec.checks[1].url == "https://rims.example.com:8443/api/health/auth/")
        #expect(spec.checks[1].token == .environment("RECONCILE_HEALTH_TOKEN"))
        #expect(spec.checks[1].caFile == "/etc/ssl/private-ca.pem")
        #expect(spec.checks[2].token == .file("/etc/reconcile/health-token"))
        #expect(spec.checks[3].url == "https://rims.example.com/api/health/?q=${x}")
        #expect(spec.checks[3].method == "GET")
    }

    /// Decodes a manifest (which must be valid for the real registry too) and returns
    /// its typed health spec.
    static func spec(_ text: String, header: Bool = true) async throws -> HealthSpec {
        let full = header ? "apiVersion: reconcile/v1\nkind: Environment\n" + text : text
        return try decode(HealthSpec.self, yaml: full)
    }
}
