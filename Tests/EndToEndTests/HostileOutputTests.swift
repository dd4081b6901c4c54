import Foundation
import TestSupport
import Testing

/// The built binary against services that answer to hurt: escape sequences, NUL, BEL,
/// bidi overrides and a million digits from a fake Caddy admin API; a token echoed back
/// in every encoding; credentials in URLs. Nothing of it may reach the terminal, the
/// annotations or the reports as it came.
@Suite struct HostileOutputTests {
    static let token = "e2e-SECRET/token+7c1f 0a9b"
    static let digits = String(repeating: "7", count: 1_000_000)

    /// A live config whose `/media/*` root is full of control characters and whose
    /// `/api/*` answers with a million-digit status code.
    static let hostileConfig = """
        {"apps": {"http": {"servers": {"srv0": {"listen": [":1"], "routes": [
          {"match": [{"path": ["/media/*"]}], "handle": [{"handler": "file_server",
            "root": "/srv/\\u001b]0;owned\\u0007\\u001b[2J\\u0000media\\u202etxt.exe\\u009b31m"}]},
          {"match": [{"path": ["/api/*"]}], "handle": [{"handler": "static_response", "status_code": \(digits)}]}
        ]}}}}}
        """

    static let caddyManifest = """
        apiVersion: reconcile/v1
        kind: Environment
        name: hostile
        vars:
          base: http://127.0.0.1:1
        caddy:
          admin: ${base}
          sites:
            - routes:
                - path: /media/*
                  file_server: { root: /srv/media }
                - path: /api/*
                  reverse_proxy: ["127.0.0.1:8000"]
        """

    static func rawControls(in text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { scalar in
            (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
                || [0x202E, 0x2066, 0x200F].contains(scalar.value)
        }
    }

    @Test(arguments: ["text", "github", "json"])
    func escapeSequencesAndAMillionDigitsFromAFakeCaddyAreEscapedAndCapped(_ format: String) async throws {
        let scratch = try await offPool { try TemporaryDirectory(prefix: "reconcile-hostile") }
        let config = try scratch.write("config.json", Self.hostileConfig)
        let repo = try await committedRepository(["manifests/prod.yaml": Self.caddyManifest])
        let server = try await offPool { try FixtureHTTPServer(serving: ["/config/": config]) }
        let result = try await reconcile(
            ["--dry-run", "--repo", repo.path, "--var", "base=\(server.baseURL)", "--format", format])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(Self.rawControls(in: result.allOutput).isEmpty, "\(Self.rawControls(in: result.allOutput))")
        #expect(result.stdout.count < 30_000, "\(result.stdout.count) characters")
        #expect(!result.stdout.contains(String(repeating: "7", count: 5000)))
        if format != "json" {
            #expect(result.stdout.contains("\\x1B]0;owned\\x07\\x1B[2J\\x00media\\u{202E}txt.exe\\x9B31m"), "\(result.stdout)")
            #expect(result.stdout.contains("more characters]"))
        }
        if format == "github" {
            let lines = result.stdout.split(separator: "\n")
            #expect(!lines.isEmpty && lines.nonEmptyAllSatisfy { $0.hasPrefix("::error ") || $0.hasPrefix("::warning ") })
        }
        if format == "json" {
            #expect(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) is [String: Any])
        }
    }

    /// Every form the token can come back in, each served as the body of its own path.
    static func tokenForms() -> [String: String] {
        let percent = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        return [
            "/raw": token, "/percent": percent,
            "/percent-lower": token.utf8.map { String(format: "%%%02x", $0) }.joined(),
            "/base64": Data(token.utf8).base64EncodedString(),
            "/basic": "Basic " + Data("deploy:\(token)".utf8).base64EncodedString(),
        ]
    }

    @Test func theTokenInEveryEncodingAndURLCredentialsAreMaskedInEveryOutputAndTheReportFile() async throws {
        let scratch = try await offPool { try TemporaryDirectory(prefix: "reconcile-hostile") }
        var serving: [String: String] = [:]
        var checks = ""
        for (path, body) in Self.tokenForms() {
            serving[path] = try scratch.write("bodies\(path)", body + " trailing")
            checks += """
                  - name: echo\(path.replacingOccurrences(of: "/", with: "-"))
                    url: ${base}\(path)
                    bearer_token_env: RECONCILE_HEALTH_TOKEN
                    expect: { status: 200, body_contains: never-there }

                """
        }
        checks += """
              - name: credentials-in-url
                url: http://deploy:hunter2pass@127.0.0.1:1/health
                expect: { status: 200 }
            """
        let manifest = Manifests.health(checks)
        let bodies = serving
        let repo = try await committedRepository(["manifests/prod.yaml": manifest])
        let server = try await offPool { try FixtureHTTPServer(serving: bodies) }
        let percent = Self.token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let leaks = [Self.token, "SECRET", percent, "hunter2pass"] + Self.tokenForms().values.map { String($0.suffix(12)) }
        for format in ["text", "json", "github"] {
            let report = scratch.file("report-\(format).json")
            let result = try await reconcile(
                [
                    "--dry-run", "--repo", repo.path, "--var", "base=\(server.baseURL)", "--format", format,
                    "--report-file", report,
                ],
                environment: ["RECONCILE_HEALTH_TOKEN": Self.token])
            #expect(result.status == 2, "\(result.allOutput)")
            let written = try String(contentsOfFile: report, encoding: .utf8)
            #expect(result.stdout.contains("***"), "\(format): \(result.stdout)")
            for leak in leaks {
                #expect(!result.allOutput.contains(leak), "\(format) leaks \(leak): \(result.allOutput)")
                #expect(!written.contains(leak), "the report file leaks \(leak)")
            }
            #expect(result.stdout.contains("http://***@127.0.0.1:1/health"), "\(format)")
        }
    }

    @Test func credentialsInARepositoryURLNeverReachTheErrorText() async throws {
        let result = try await reconcile(["--dry-run", "--repo", "http://deploy:hunter2pass@127.0.0.1:1/config.git"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(!result.allOutput.contains("hunter2pass"), "\(result.allOutput)")
    }
}
