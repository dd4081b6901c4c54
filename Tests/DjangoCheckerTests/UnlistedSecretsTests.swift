import Foundation
import ReconcileKit
import TestSupport
import Testing

/// Settings whose values are secrets although Django's own list of secret names misses
/// them (a private key under PRIVATE_CERT, a password under DB_PWD), or whose names say
/// nothing at all (a PEM key under TLS_BUNDLE, a GitHub token under DEPLOY_HOOK): on a
/// real project, the built `reconcile` never prints them, in text or JSON, nor writes
/// them to the state directory or the report file.
@Suite struct UnlistedSecretsTests {
    static let privateKey =
        "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7q3Zx9fakeKeyBody\\n"
        + "Qm9keU9mQUZha2VQcml2YXRlS2V5Rm9yUmVjb25jaWxlVGVzdHM\\n-----END PRIVATE KEY-----\\n"
    static let keyBody = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7q3Zx9fakeKeyBody"
    static let password = "pwd-Vx81qLm3Rt"
    static let credentials = "cred-9f8e7d6c5b4a-github-oauth"
    static let salt = "salt-7TqP2mW9xZ4k"
    static let gitHubToken = "ghp_R3c0nc1leT3stT0kenN0tRealAbCdEf123456"

    /// The four values the narrow list let through, under their names.
    static let missedNames = """
        PRIVATE_CERT = "\(privateKey)"
        DB_PWD = "\(password)"
        SOCIAL_AUTH_GITHUB_CREDENTIALS = "\(credentials)"
        SIGNING_SALT = "\(salt)"
        TLS_BUNDLE = "\(privateKey)"
        DEPLOY_HOOK = "\(gitHubToken)"
        """

    /// Every run's stdout and stderr, the report file and every file of the state
    /// directory, for each format.
    static func outputs(pinning names: [String], expecting status: Int32) async throws -> String {
        let project = try await DjangoProject.make(settings: missedNames)
        let repo = try await SecretsTests.repository(SecretsTests.manifest(settings: names.map { "\($0): x" }))
        let state = try TemporaryDirectory(prefix: "reconcile-django-shapes-state")
        var everything = ""
        for format in ["text", "json"] {
            let report = repo.directory.file("report-\(format).json")
            let (exit, output) = try await SecretsTests.reconcile([
                "--dry-run", "--repo", repo.path, "--format", format, "--report-file", report, "--state-dir", state.path,
                "--var", "project=\(project.path)", "--var", "python=\(DjangoProject.venvPython)",
            ])
            #expect(exit == status, "\(format): \(output)")
            everything += output + ((try? String(contentsOfFile: report, encoding: .utf8)) ?? "")
        }
        let files = FileManager.default.enumerator(atPath: state.path)?.allObjects as? [String] ?? []
        for file in files {
            everything += (try? String(contentsOfFile: state.file(file), encoding: .utf8)) ?? ""
        }
        return everything
    }

    static func expectNoSecret(in text: String) {
        for secret in [keyBody, "BEGIN PRIVATE KEY", password, credentials, salt, gitHubToken] {
            #expect(!text.contains(secret), "printed \(secret)")
        }
    }

    @Test(
        "a setting named PRIVATE, PWD, CREDENTIALS or SALT is never read: pinning it is an error",
        arguments: ["PRIVATE_CERT", "DB_PWD", "SOCIAL_AUTH_GITHUB_CREDENTIALS", "SIGNING_SALT"])
    func settingsWithSecretNamesAreNeverRead(_ name: String) async throws {
        let text = try await Self.outputs(pinning: [name], expecting: 1)
        #expect(text.contains("django.settings.\(name): '\(name)' looks secret (its name contains "), "\(text)")
        Self.expectNoSecret(in: text)
    }

    @Test func aPrivateKeyOrATokenUnderAnyNameIsMaskedEverywhere() async throws {
        let text = try await Self.outputs(pinning: ["TLS_BUNDLE", "DEPLOY_HOOK"], expecting: 2)
        #expect(text.contains("TLS_BUNDLE"), "the setting was judged: \(text)")
        #expect(text.contains("DEPLOY_HOOK"), "\(text)")
        #expect(text.contains(Redaction.mask), "\(text)")
        Self.expectNoSecret(in: text)
    }
}
