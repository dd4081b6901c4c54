import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import DjangoChecker

/// The local runner against real Django projects (`django-admin startproject` from the
/// test virtualenv), one variant per incident the checker exists to catch. Each test
/// runs the real interpreter with the real introspection script; the recorded
/// documents in Tests/Fixtures/django come from these runs.
@Suite struct LocalRunnerTests {
    /// Runs the script the way `observe` does and returns the raw run, for recording.
    static func raw(_ spec: DjangoSpec) async throws -> RawRun {
        guard case .local(let local) = spec.runner else { throw TestSupportError("not a local runner") }
        return try await LocalIntrospection.run(
            local, settingsModule: spec.settingsModule, configuration: DjangoChecker.configuration(spec),
            timeout: .milliseconds(spec.timeoutMilliseconds), environment: ProcessInfo.processInfo.environment,
            config: .defaults
        ).get()
    }

    /// Observes and compares, recording the raw output as fixture `record` if asked.
    static func run(_ spec: DjangoSpec, record: String? = nil) async throws -> [Finding] {
        if let record { try DjangoFixtures.recordIfAsked(record, stdout: try await raw(spec).stdout) }
        return try await check(spec).1
    }

    /// `run` on a fresh production project with `settings` and `urls` appended.
    static func run(settings: String? = nil, urls: String? = nil, record: String? = nil) async throws -> [Finding] {
        let project = try await DjangoProject.make(settings: settings, urls: urls)
        let findings = try await run(project.spec(), record: record)
        withExtendedLifetime(project) {}
        return findings
    }

    /// The one finding a project that cannot be read gives: unknown.
    static func unknown(_ spec: DjangoSpec, record: String? = nil) async throws -> Finding {
        let findings = try await run(spec, record: record)
        #expect(findings.map(\.status) == [.unknown])
        return try #require(findings.first)
    }

    @Test func aProductionCorrectProjectIsInSyncAndNothingIsWrittenIntoIt() async throws {
        let project = try await DjangoProject.make()
        let before = try project.snapshot()
        let findings = try await Self.run(project.spec(), record: "production.json")
        #expect(
            findings.map(\.resource) == [
                "DEBUG", "MEDIA_ROOT", "MEDIA_URL", "ALLOWED_HOSTS", "media_served_by_django", "console_logging:root",
                "console_logging:django", "deploy_check",
            ])
        for finding in findings {
            #expect(finding.status == .ok, "\(finding.resource): \(finding.message)")
        }
        #expect(findings.about("DEBUG")?.observed == "false")
        #expect(findings.about("ALLOWED_HOSTS")?.observed == #"["rims.example.com"]"#)
        #expect(findings.about("deploy_check")?.message == "no deployment check at WARNING or above")
        #expect(
            findings.about("console_logging:root")?.message
                == "WARNING records of the root logger reach the console through root.console (logging.StreamHandler, stderr)")
        // No __pycache__, no database, nothing.
        #expect(try project.snapshot() == before)
    }

    @Test func debugOnIsCriticalDriftWithTheSettingsLineAndMediaAndW018Follow() async throws {
        let findings = try await Self.run(settings: "DEBUG = True", record: "debug-on.json")
        let debug = try #require(findings.about("DEBUG"))
        #expect(debug.status == .drift)
        #expect(debug.severity == .critical)
        #expect(debug.expected == "false")
        #expect(debug.observed == "true")
        #expect(debug.message == "DEBUG is true, expected false")
        #expect(debug.fix?.snippet == "DEBUG = False")
        #expect(debug.fix?.language == "python")
        #expect(debug.fix?.summary.contains("rims_backend/settings.py:") == true)
        // The guarded static() route is live once DEBUG is on, and only because of it: the
        // fix is DEBUG's, not a guard urls.py already has.
        let media = try #require(findings.about("media_served_by_django"))
        #expect(media.status == .drift)
        #expect(media.observed == "/media/reconcile-probe.txt resolves to django.views.static.serve (pattern ^media/(?P<path>.*)$)")
        #expect(media.message.contains("because DEBUG is on (static() makes the route only then)"), "\(media.message)")
        #expect(media.fix?.summary.hasPrefix("The media route comes from static() in rims_backend/urls.py") == true)
        #expect(media.fix?.summary.contains("unconditional") == false, "\(media.fix?.summary ?? "")")
        #expect(media.fix?.snippet == "DEBUG = False")
        let w018 = try #require(findings.about("security.W018"))
        #expect(w018.status == .drift)
        #expect(w018.severity == .warning)
        #expect(w018.fix?.snippet == "DEBUG = False")
        #expect(findings.about("deploy_check") == nil)
    }

    @Test func aDifferentMediaRootIsDriftNamingBothPaths() async throws {
        let project = try await DjangoProject.make(settings: #"MEDIA_ROOT = BASE_DIR / "media""#)
        let findings = try await Self.run(project.spec(), record: "media-root-different.json")
        let mediaRoot = try #require(findings.about("MEDIA_ROOT"))
        #expect(mediaRoot.status == .drift)
        #expect(mediaRoot.expected == #""/app/media""#)
        #expect(mediaRoot.observed == "\"\(project.path)/media\"")
        #expect(mediaRoot.fix?.snippet == #"MEDIA_ROOT = "/app/media""#)
        #expect(findings.filter { $0.status != .ok }.map(\.resource) == ["MEDIA_ROOT"])
    }

    @Test func mediaRoutedThroughDjangoInProductionIsDrift() async throws {
        let findings = try await Self.run(
            urls: """
                from django.urls import re_path
                from django.views.static import serve
                urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
                """, record: "media-served.json")
        let media = try #require(findings.about("media_served_by_django"))
        #expect(media.status == .drift)
        #expect(media.expected == "MEDIA_URL not routed by Django")
        #expect(media.observed?.contains("resolves to django.views.static.serve") == true)
        #expect(media.fix?.summary.contains("rims_backend/urls.py") == true)
        #expect(media.fix?.snippet?.contains("urlpatterns += static(settings.MEDIA_URL") == true)
        #expect(findings.filter { $0.status != .ok }.map(\.resource) == ["media_served_by_django"])
    }

    /// The manifest's own runner environment sets the variable to a value that gives the
    /// wrong setting: the fix says so, besides the value that works.
    @Test func aValueTheManifestGivesThatContradictsTheSettingIsNamedInTheFix() async throws {
        let project = try await DjangoProject.make(settings: #"DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1""#)
        let debug = try #require(try await Self.run(project.spec(environment: ["DJANGO_DEBUG": "1"])).about("DEBUG"))
        #expect(debug.status == .drift)
        #expect(debug.fix?.snippet == "DJANGO_DEBUG=False")
        #expect(
            debug.fix?.summary.hasSuffix(
                "The manifest gives DJANGO_DEBUG the value '1', which does not give this: change it there too.") == true,
            "\(debug.fix?.summary ?? "")")
    }

    /// A hand-written copy of static()'s route, same pattern and view, with DEBUG on: it
    /// stays when DEBUG goes off, so the fix is still to remove or guard it.
    @Test func aRouteOfItsOwnIsToldFromStaticsWhileDebugIsOn() async throws {
        let findings = try await Self.run(
            settings: "DEBUG = True",
            urls: """
                from django.urls import re_path
                from django.views.static import serve
                urlpatterns = [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})] + urlpatterns
                """)
        let media = try #require(findings.about("media_served_by_django"))
        #expect(media.status == .drift)
        #expect(media.observed == "/media/reconcile-probe.txt resolves to django.views.static.serve (pattern ^media/(?P<path>.*)$)")
        #expect(!media.message.contains("because DEBUG is on"), "\(media.message)")
        #expect(media.fix?.summary.hasPrefix("Remove the unconditional media route") == true, "\(media.fix?.summary ?? "")")
    }

    /// `static()` returns no route when DEBUG is off: what resolves is judged, not the
    /// text of urls.py.
    @Test func anUnguardedStaticCallIsHarmlessWhileDebugIsOff() async throws {
        let findings = try await Self.run(urls: "urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)")
        #expect(findings.about("media_served_by_django")?.status == .ok)
        #expect(findings.about("media_served_by_django")?.message == "Django does not route MEDIA_URL /media/")
    }

    @Test func djangosDefaultLoggingIsMutedInProductionAndTheFixIsALoggingDict() async throws {
        let findings = try await Self.run(settings: "del LOGGING", record: "no-console-logging.json")
        let console = try #require(findings.about("console_logging:django"))
        #expect(console.status == .drift)
        #expect(
            console.message
                == "WARNING records of logger django never reach stdout or stderr: django.console (logging.StreamHandler, "
                + "stderr) is muted by django.utils.log.RequireDebugTrue, which passes records only while DEBUG is on; "
                + "django.mail_admins (django.utils.log.AdminEmailHandler) takes only ERROR and above")
        #expect(
            console.observed
                == "django.console (logging.StreamHandler, stderr): dropped by django.utils.log.RequireDebugTrue; "
                + "django.mail_admins (django.utils.log.AdminEmailHandler): level ERROR (DEBUG off)")
        #expect(console.fix?.snippet?.contains(#""console": {"class": "logging.StreamHandler"}"#) == true)
        #expect(console.fix?.snippet?.contains(#""django": {"handlers": ["console"], "level": "WARNING", "propagate": False}"#) == true)
        // The root logger has no handler: Python's last resort writes its warnings to stderr.
        #expect(
            findings.about("console_logging:root")?.message
                == "WARNING records of the root logger reach the console through Python's last-resort handler (stderr, "
                + "WARNING and above)")
        #expect(findings.filter { $0.status != .ok }.map(\.resource) == ["console_logging:django"])
    }

    @Test func aFileHandlerIsNotConsoleLogging() async throws {
        let project = try await DjangoProject.make()
        let log = project.directory.file("app.log")
        try project.appendSettings(
            #"LOGGING["handlers"]["console"] = {"class": "logging.FileHandler", "filename": "\#(log)", "delay": True}"#)
        let findings = try await Self.run(project.spec())
        let console = try #require(findings.about("console_logging:root"))
        #expect(console.status == .drift)
        #expect(console.observed == "root.console (logging.FileHandler): writes to a file (DEBUG off)")
        #expect(console.message.hasSuffix("root.console (logging.FileHandler) does not write to stdout or stderr"))
        #expect(console.fix?.snippet?.contains("logging.StreamHandler") == true)
    }

    @Test func settingsFromEnvironmentVariablesAreResolvedAndTheFixNamesTheVariable() async throws {
        let project = try await DjangoProject.make(
            settings: """
                DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
                MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT", "/srv/default-media")
                ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")
                """)
        let production = ["DJANGO_DEBUG": "0", "DJANGO_MEDIA_ROOT": "/app/media", "DJANGO_ALLOWED_HOSTS": "rims.example.com"]
        let inSync = try await Self.run(project.spec(environment: production))
        #expect(inSync.nonEmptyAllSatisfy { $0.status == .ok }, "\(inSync.filter { $0.status != .ok })")
        #expect(inSync.about("DEBUG")?.message == "DEBUG is false (from $DJANGO_DEBUG)")

        var drifted = production
        drifted["DJANGO_DEBUG"] = "1"
        drifted["DJANGO_ALLOWED_HOSTS"] = "rims.example.com,localhost"
        let findings = try await Self.run(project.spec(environment: drifted), record: "from-environment.json")
        let debug = try #require(findings.about("DEBUG"))
        #expect(debug.status == .drift)
        #expect(debug.message == "DEBUG is true (from $DJANGO_DEBUG), expected false")
        #expect(debug.fix?.snippet == "DJANGO_DEBUG=False")
        #expect(debug.fix?.language == "shell")
        #expect(debug.fix?.summary.contains(#"`DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"`"#) == true)
        let hosts = try #require(findings.about("ALLOWED_HOSTS"))
        #expect(hosts.observed == #"["rims.example.com", "localhost"]"#)
        #expect(hosts.fix?.snippet == "DJANGO_ALLOWED_HOSTS=rims.example.com")
        #expect(findings.about("MEDIA_ROOT")?.status == .ok)
    }

    @Test func aSettingTheProjectLacksIsDrift() async throws {
        let project = try await DjangoProject.make()
        let settings = DjangoProject.productionExpectations + [.init(name: "RIMS_UPLOAD_LIMIT", value: .int(10))]
        let findings = try await Self.run(project.spec(settings: settings))
        let missing = try #require(findings.about("RIMS_UPLOAD_LIMIT"))
        #expect(missing.status == .drift)
        #expect(missing.observed == "not defined")
        #expect(missing.fix?.snippet == "RIMS_UPLOAD_LIMIT = 10")
        #expect(missing.fix?.summary == "Define RIMS_UPLOAD_LIMIT in rims_backend/settings.py.")
    }

    @Test func typedEqualityTellsTheStringFalseFromFalse() async throws {
        let findings = try await Self.run(settings: #"DEBUG = "False""#)
        let debug = try #require(findings.about("DEBUG"))
        #expect(debug.status == .drift)
        #expect(debug.observed == #""False""#)
    }

    @Test func whatTheProjectPrintsWhileLoadingDoesNotConfuseTheReport() async throws {
        let findings = try await Self.run(settings: #"print("loading settings {"); print("\#(IntrospectionOutput.marker)")"#)
        #expect(findings.nonEmptyAllSatisfy { $0.status == .ok }, "\(findings)")
    }

    // MARK: A project that cannot be read is unknown, never ok

    @Test func anImportErrorIsUnknownWithPythonsLastLineAndWhere() async throws {
        let project = try await DjangoProject.make(settings: "import reconcile_missing_package")
        let finding = try await Self.unknown(project.spec(), record: "import-error.json")
        #expect(finding.resource == "rims_backend.settings")
        #expect(
            finding.observed?.hasPrefix("ModuleNotFoundError: No module named 'reconcile_missing_package' at rims_backend/settings.py:")
                == true)
        #expect(finding.message.hasPrefix("could not read the Django settings (the settings fail to load): ModuleNotFoundError"))
        #expect(finding.fix?.summary.contains("the app itself would fail to start") == true)
    }

    @Test func aMissingInterpreterIsUnknownWithAHint() async throws {
        let project = try await DjangoProject.make()
        let finding = try await Self.unknown(project.spec(python: "/nonexistent/venv/bin/python"))
        #expect(finding.observed == "no executable Python at /nonexistent/venv/bin/python")
        #expect(finding.fix?.summary.contains("runner.local.python") == true)
    }

    @Test func anInterpreterWithoutDjangoIsUnknownWithTheImportError() async throws {
        let project = try await DjangoProject.make()
        let finding = try await Self.unknown(project.spec(python: "/usr/bin/python3"))
        #expect(finding.observed == "ModuleNotFoundError: No module named 'django'")
        #expect(finding.message.contains("(Django is not installed there)"))
        #expect(finding.fix?.summary.contains("virtualenv") == true)
    }

    @Test func aWrongSettingsModuleIsUnknownPointingAtSettingsModuleAndWorkdir() async throws {
        let project = try await DjangoProject.make()
        let finding = try await Self.unknown(project.spec(settingsModule: "rims_backend.production"))
        #expect(finding.observed?.hasPrefix("ModuleNotFoundError: No module named 'rims_backend.production'") == true)
        #expect(finding.fix?.summary.contains("check settings_module") == true)
    }

    @Test func aMissingWorkdirIsUnknown() async throws {
        let spec = DjangoSpec(
            runner: .local(.init(python: DjangoProject.venvPython, workdir: "/nonexistent/project")),
            settingsModule: "rims_backend.settings", settings: DjangoProject.productionExpectations)
        #expect(try await Self.unknown(spec).observed == "no directory at /nonexistent/project")
    }

    @Test func settingsThatHangAreKilledAtTheTimeout() async throws {
        let project = try await DjangoProject.make(settings: "import time\ntime.sleep(60)")
        let clock = ContinuousClock()
        let started = clock.now
        let finding = try await Self.unknown(project.spec(timeoutMilliseconds: 1000))
        #expect(clock.now - started < .seconds(10))
        #expect(finding.message.contains("(timed out)"))
        #expect(finding.observed?.contains("did not finish within 1s") == true)
    }

    @Test func theDeploymentCheckFailLevelAndIgnoreListDecideWhatIsDrift() async throws {
        let project = try await DjangoProject.make(settings: "SECURE_HSTS_SECONDS = 0\nSESSION_COOKIE_SECURE = False")
        var spec = project.spec()
        let warning = try await Self.run(spec)
        #expect(warning.filter { $0.status == .drift }.map(\.resource).sorted() == ["security.W004", "security.W012"])
        #expect(warning.about("security.W004")?.fix?.snippet?.hasPrefix("SECURE_HSTS_SECONDS = ") == true)

        spec.deployCheck = DjangoSpec.DeployCheck(failLevel: .WARNING, ignore: ["security.W004", "security.W012"])
        let ignored = try await Self.run(spec)
        #expect(ignored.about("deploy_check")?.status == .ok)
        #expect(ignored.about("deploy_check")?.message == "no deployment check at WARNING or above (ignored: security.W004, security.W012)")

        spec.deployCheck = DjangoSpec.DeployCheck(failLevel: .ERROR)
        let errorsOnly = try await Self.run(spec)
        #expect(errorsOnly.about("deploy_check")?.message == "no deployment check at ERROR or above (2 below ERROR)")
    }
}
