import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import DjangoChecker

/// The built `reconcile` on a config repository made with git, against a real project
/// whose SECRET_KEY and database password are known: neither appears in any output
/// format, not even when a non-secret setting holds the key, when the manifest asks for
/// DATABASES, or when the settings fail with an error that quotes the key.
@Suite struct SecretsTests {
    static let manifest = manifest(
        settings: ["DEBUG: false", "RIMS_ECHO: visible", "DATABASES: {}"],
        more: "  console_logging: true\n  deploy_check: { fail_level: WARNING }\n")

    /// A manifest whose django section, run on the project at `${project}`, pins `settings`.
    static func manifest(settings: [String], more: String = "") -> String {
        """
        apiVersion: reconcile/v1
        kind: Environment
        name: secrets
        vars: { project: /nonexistent, python: /nonexistent }
        django:
          runner:
            local: { python: "${python}", workdir: "${project}" }
          settings_module: rims_backend.settings
          settings:
        \(settings.map { "    \($0)" }.joined(separator: "\n"))

        """ + more
    }

    /// A repository with `manifest` committed (made off the cooperative pool: git blocks).
    static func repository(_ manifest: String = manifest) async throws -> ScratchRepository {
        try await offPool { try ScratchRepository(files: ["manifests/prod.yaml": manifest]) }
    }

    /// Runs the built binary; returns exit status and everything it wrote.
    static func reconcile(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(ScratchRepository.environment.compactMapValues { $0 }) { $1 }
        environment["NO_COLOR"] = "1"
        let output = try await Subprocess.run(
            executable: TestPaths.reconcileBinary, arguments: arguments, environment: environment,
            workingDirectory: "/", timeout: .seconds(120)
        ).launched()
        return (output.status, String(decoding: output.stdout + output.stderr, as: UTF8.self))
    }

    @Test(
        "no output format carries the SECRET_KEY or the database password",
        arguments: [
            ("drift", "DEBUG = True\nRIMS_ECHO = SECRET_KEY", Int32(2)),
            (
                "broken", "raise RuntimeError(\"cannot start with \" + SECRET_KEY + \" / \" + DATABASES[\"default\"][\"PASSWORD\"])",
                Int32(3)
            ),
        ])
    func secretsNeverAppear(_ variant: String, _ settings: String, _ expectedStatus: Int32) async throws {
        let project = try await DjangoProject.make(settings: settings)
        let repo = try await Self.repository()
        let report = repo.directory.file("report.json")
        var outputs: [String: String] = [:]
        for format in ["text", "json", "github"] {
            let (status, output) = try await Self.reconcile([
                "--dry-run", "--repo", repo.path, "--format", format, "--report-file", report,
                "--var", "project=\(project.path)", "--var", "python=\(DjangoProject.venvPython)",
            ])
            #expect(status == expectedStatus, "\(variant) \(format): \(output)")
            let written = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
            outputs[format] = output + written
        }
        for (format, text) in outputs {
            #expect(text.contains("django"), "\(variant) \(format) printed no django finding: \(text)")
            #expect(!text.contains(DjangoProject.secretKey), "\(variant) \(format) leaked SECRET_KEY")
            #expect(!text.contains(String(DjangoProject.secretKey.prefix(16))), "\(variant) \(format) leaked part of SECRET_KEY")
            #expect(!text.contains(DjangoProject.databasePassword), "\(variant) \(format) leaked the database password")
        }
        let json = try #require(outputs["json"])
        if variant == "drift" {
            // The key was there to leak: a setting holding its whole value is a secret too.
            #expect(json.contains(#""resource" : "RIMS_ECHO""#) || json.contains(#""resource":"RIMS_ECHO""#), "\(json)")
            #expect(json.contains("RIMS_ECHO is <secret, set>"), "\(json)")
        } else {
            #expect(json.contains("RuntimeError: cannot start with ******** / ********"), "\(json)")
        }
    }
}
