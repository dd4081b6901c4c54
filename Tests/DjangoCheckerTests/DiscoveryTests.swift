import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DjangoChecker

/// The Django checker's discover piece on real `startproject` variants run by a local
/// runner: the section it writes reads back through the decoder and compares in sync
/// with the same project; hostile setting values round-trip; secrets never appear.
@Suite struct DjangoDiscoveryTests {
    /// Discovers `project`, writes the section, decodes it, and checks the project with it.
    static func roundTrip(_ project: DjangoProject) async throws -> (section: DiscoveredSection, text: String, findings: [Finding]) {
        let request = DiscoveryRequest(
            djangoPython: DjangoProject.venvPython, djangoWorkdir: project.path, settingsModule: "rims_backend.settings")
        let context = ObservationContext(mode: .dryRun, source: StubSource())
        let observation = try #require(try await DjangoChecker().discover(request, earlier: Discoveries(), in: context))
        let section = DjangoChecker().describe(observation, request: request, earlier: Discoveries())
        let text = YAMLWriter.document([YAMLEntry("django", try #require(section.value, "\(section.problems)"))])
        let spec = try decode(DjangoSpec.self, yaml: text)
        let (_, findings) = try await check(spec)
        return (section, text, findings)
    }

    @Test func aProductionProjectIsDescribedInSyncWithoutItsSecrets() async throws {
        let project = try await DjangoProject.make()
        let (section, text, findings) = try await Self.roundTrip(project)
        #expect(section.gaps == [] && section.problems == [])
        #expect(findings.count >= 8, "\(findings.map(\.resource))")
        #expect(findings.allSatisfy { $0.status == .ok }, "\(findings.map { "\($0.status) \($0.resource): \($0.message)" })\n\(text)")
        #expect(text.contains("DEBUG: false") && text.contains("console_logging: true"), "\(text)")
        #expect(!text.contains(DjangoProject.secretKey) && !text.contains(DjangoProject.databasePassword))
        #expect(!text.contains("SECRET_KEY"))
    }

    @Test func debugOnDefaultLoggingAndHostileHostsAreWrittenAsTheyRunWithWhatToConfirm() async throws {
        let project = try await DjangoProject.make(
            settings: #"""
                DEBUG = True
                ALLOWED_HOSTS = ["rims.example.com", "we\"ird ${HOME} # host: x\n- y"]
                SECURE_SSL_REDIRECT = False
                del LOGGING
                """#)
        let (_, text, findings) = try await Self.roundTrip(project)
        #expect(findings.allSatisfy { $0.status == .ok }, "\(findings.map { "\($0.status) \($0.resource): \($0.message)" })\n\(text)")
        #expect(text.contains("# CONFIRM: DEBUG is on"), "\(text)")
        #expect(text.contains("security.W008"), "the check that fires is named: \(text)")
        let spec = try decode(DjangoSpec.self, yaml: text)
        #expect(
            spec.settings.first { $0.name == "ALLOWED_HOSTS" }?.value
                == .list([.string("rims.example.com"), .string("we\"ird ${HOME} # host: x\n- y")]))
    }
}

/// DEBUG read from the environment as a string (`os.environ.get("DEBUG", "False")`, a
/// common settings.py line) is a non-empty string, which Django takes as on wherever it
/// asks `if settings.DEBUG`: static() serves media, RequireDebugTrue lets records
/// through, check --deploy fires security.W018. Discover says so instead of writing
/// `DEBUG: "False"` as if it were off, and traces the console with DEBUG on.
@Suite struct DjangoDebugStringTests {
    @Test func aDebugStringDjangoReadsAsOnIsWrittenWithWhatToConfirmAndTracedAsOn() async throws {
        let project = try await DjangoProject.make(
            settings: """
                DEBUG = os.environ.get("RECONCILE_TEST_UNSET_DEBUG", "False")
                LOGGING = {
                    "version": 1,
                    "disable_existing_loggers": False,
                    "filters": {"debug_only": {"()": "django.utils.log.RequireDebugTrue"}},
                    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["debug_only"]}},
                    "root": {"handlers": ["console"], "level": "INFO"},
                }
                """)
        let (_, text, findings) = try await DjangoDiscoveryTests.roundTrip(project)
        #expect(findings.allSatisfy { $0.status == .ok }, "\(findings.map { "\($0.status) \($0.resource): \($0.message)" })\n\(text)")
        #expect(text.contains("DEBUG: \"False\""), "\(text)")
        #expect(text.contains("# CONFIRM: DEBUG is \"False\", which Django reads as on"), "\(text)")
        // The console handler's RequireDebugTrue passes while DEBUG is "False": records reach it.
        #expect(text.contains("console_logging: true"), "\(text)")
    }
}
