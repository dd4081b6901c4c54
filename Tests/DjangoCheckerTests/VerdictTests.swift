import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import DjangoChecker

/// The pure comparison, fed with documents recorded from real Django runs (and small
/// edits of them for cases a real project rarely produces).
@Suite struct VerdictTests {
    static let spec = DjangoSpec(
        runner: .container(.init(name: "backend")), settingsModule: "rims_backend.settings",
        settings: DjangoProject.productionExpectations, mediaServedByDjango: false, consoleLogging: true,
        deployCheck: .init(failLevel: .WARNING))

    static func findings(_ introspection: Introspection, spec: DjangoSpec = spec) -> [Finding] {
        DjangoChecker().compare(spec, with: DjangoObservation(runner: "test", outcome: .introspected(introspection)))
    }

    static func failed(_ failure: RunFailure, spec: DjangoSpec = spec) -> [Finding] {
        DjangoChecker().compare(spec, with: DjangoObservation(runner: "python3 in container backend", outcome: .failed(failure)))
    }

    @Test func theRecordedProductionRunIsInSync() throws {
        let findings = Self.findings(try DjangoFixtures.introspection("production.json"))
        #expect(findings.count == 8)
        #expect(findings.nonEmptyAllSatisfy { $0.status == .ok && $0.severity == .info && $0.checker == "django" })
    }

    @Test(
        "each recorded incident drifts exactly where it should",
        arguments: [
            ("debug-on.json", ["DEBUG", "media_served_by_django", "security.W018"]),
            ("media-root-different.json", ["MEDIA_ROOT"]),
            ("media-served.json", ["media_served_by_django"]),
            ("no-console-logging.json", ["console_logging:django"]),
            ("from-environment.json", ["DEBUG", "ALLOWED_HOSTS", "media_served_by_django", "security.W018"]),
        ])
    func recordedIncidents(_ fixture: String, _ drifted: [String]) throws {
        let findings = Self.findings(try DjangoFixtures.introspection(fixture))
        #expect(findings.filter { $0.status == .drift }.map(\.resource) == drifted)
        #expect(!findings.contains { $0.status == .unknown })
        for finding in findings where finding.status == .drift {
            #expect(finding.fix != nil, "\(finding.resource) has no fix")
            #expect(finding.expected != nil && finding.observed != nil)
        }
    }

    @Test func debugTrueWhereTheManifestWantsItIsOnlyAnError() throws {
        var spec = Self.spec
        spec.settings = [.init(name: "DEBUG", value: .bool(true))]
        let debug = try #require(Self.findings(try DjangoFixtures.introspection("production.json"), spec: spec).about("DEBUG"))
        #expect(debug.status == .drift)
        #expect(debug.severity == .error)
        #expect(debug.fix?.snippet == "DEBUG = True")
    }

    @Test func findingsCarryTheManifestPositions() throws {
        let position = SourcePosition(file: "manifests/prod.yaml", line: 36, column: 5)
        var spec = Self.spec
        spec.settings = [.init(name: "DEBUG", value: .bool(false), position: position)]
        spec.position = SourcePosition(file: "manifests/prod.yaml", line: 31, column: 3)
        let findings = Self.findings(try DjangoFixtures.introspection("debug-on.json"), spec: spec)
        #expect(findings.about("DEBUG")?.position == position)
        #expect(Self.failed(RunFailure(.timedOut, "slow"), spec: spec).first?.position == spec.position)
    }

    // MARK: Failures are unknown, with a repair

    @Test(
        "every failure is one unknown finding with a hint",
        arguments: [
            (RunFailure.Kind.interpreterMissing, "runner.container.python"),
            (.workdirMissing, "workdir"), (.spawnFailed, "executable"), (.timedOut, "timeout_ms"),
            (.djangoMissing, "virtualenv"), (.settingsFailed, "fix the error"), (.scriptFailed, "by hand"),
            (.engineUnavailable, "endpoint"), (.containerMissing, "docker ps -a"), (.containerNotRunning, "docker start"),
            (.refusedByPolicy, "may not"),
        ])
    func failuresAreUnknown(_ kind: RunFailure.Kind, _ hint: String) throws {
        let findings = Self.failed(RunFailure(kind, "the last line"))
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.status == .unknown)
        #expect(finding.severity == .error)
        #expect(finding.resource == "rims_backend.settings")
        #expect(finding.observed == "the last line")
        #expect(finding.expected == "the settings of rims_backend.settings, read with python3 in container backend")
        #expect(finding.fix?.summary.contains(hint) == true, "\(finding.fix?.summary ?? "")")
    }

    @Test func aHintFromTheRunnerWins() {
        let finding = Self.failed(RunFailure(.engineUnavailable, "no Docker socket at /x.sock", hint: "start the engine"))[0]
        #expect(finding.fix?.summary == "start the engine")
        #expect(finding.message == "could not read the Django settings (Docker engine unavailable): no Docker socket at /x.sock")
    }

    @Test func aSettingThatRaisesIsUnknownNotOk() throws {
        var introspection = try DjangoFixtures.introspection("production.json")
        introspection.settings?["MEDIA_ROOT"] = .init(
            error: PythonFailure(stage: "settings.MEDIA_ROOT", type: "ImproperlyConfigured", lastLine: "ImproperlyConfigured: no"))
        let finding = try #require(Self.findings(introspection).about("MEDIA_ROOT"))
        #expect(finding.status == .unknown)
        #expect(finding.observed == "ImproperlyConfigured: no")
    }

    // MARK: Media

    @Test func mediaWantedButNotRoutedIsDriftWithTheRoute() throws {
        var spec = Self.spec
        spec.mediaServedByDjango = true
        let finding = try #require(
            Self.findings(try DjangoFixtures.introspection("production.json"), spec: spec).about("media_served_by_django"))
        #expect(finding.status == .drift)
        #expect(finding.observed == "/media/reconcile-probe.txt does not resolve")
        #expect(finding.fix?.snippet?.contains("static(settings.MEDIA_URL") == true)
    }

    @Test func aCatchAllViewOverMediaNamesTheView() throws {
        var introspection = try DjangoFixtures.introspection("production.json")
        introspection.media?.resolves = true
        introspection.media?.view = "frontend.views.index"
        introspection.media?.route = "^.*$"
        let finding = try #require(Self.findings(introspection).about("media_served_by_django"))
        #expect(finding.status == .drift)
        #expect(finding.fix?.summary.contains("caught by frontend.views.index (pattern ^.*$)") == true)
        #expect(finding.fix?.snippet == nil)
    }

    @Test func aMediaURLOnAnotherHostIsNotServedByDjango() throws {
        var introspection = try DjangoFixtures.introspection("production.json")
        introspection.media = .init(url: "https://cdn.example.com/media/", resolves: false, external: true)
        let finding = try #require(Self.findings(introspection).about("media_served_by_django"))
        #expect(finding.status == .ok)
        #expect(finding.observed == "MEDIA_URL https://cdn.example.com/media/ is another host; Django does not route it")
    }

    @Test func aBrokenURLconfIsUnknown() throws {
        var introspection = try DjangoFixtures.introspection("production.json")
        introspection.media?.error = PythonFailure(
            stage: "resolve", type: "ImportError", lastLine: "ImportError: cannot import name 'x'", file: "rims_backend/urls.py", line: 3)
        let finding = try #require(Self.findings(introspection).about("media_served_by_django"))
        #expect(finding.status == .unknown)
        #expect(finding.message.hasSuffix("ImportError: cannot import name 'x' at rims_backend/urls.py:3"))
    }

    // MARK: Logging

    @Test func consoleLoggingWhereNoneIsWantedIsDriftForEachLoggerThatReachesIt() throws {
        var spec = Self.spec
        spec.consoleLogging = false
        let findings = Self.findings(try DjangoFixtures.introspection("production.json"), spec: spec)
        let root = try #require(findings.about("console_logging:root"))
        #expect(root.status == .drift)
        #expect(root.expected == "the root logger writes nothing to stdout or stderr")
        #expect(root.fix?.summary.contains("set console_logging") == true)
    }

    @Test func aLoggerTheIntrospectionDidNotTraceIsUnknown() throws {
        var spec = Self.spec
        spec.consoleLogging = .init(loggers: ["rims.workflow"], level: .INFO)
        let finding = try #require(
            Self.findings(try DjangoFixtures.introspection("production.json"), spec: spec).about("console_logging:rims.workflow"))
        #expect(finding.status == .unknown)
        #expect(finding.message == "the introspection did not trace logger rims.workflow")
    }

    /// `prove` never turns an unproven logger into `ok`: a probe that could not be sent
    /// or a log that could not be read is `unknown`.
    @Test func aProofThatCouldNotBeMadeIsUnknownNeverOk() throws {
        var spec = Self.spec
        spec.consoleLogging = .init(loggers: ["root"], level: .INFO, prove: true)
        var introspection = try DjangoFixtures.introspection("production.json")
        let observe = { (proof: ConsoleLogProof?) in
            DjangoChecker().compare(
                spec, with: DjangoObservation(runner: "test", outcome: .introspected(introspection), consoleLog: proof)
            ).about("console_logging:root")
        }
        introspection.console?.proof = ["root": .init(written: [], error: nil)]
        #expect(observe(ConsoleLogProof(seen: []))?.status == .unknown)
        #expect(
            observe(ConsoleLogProof(seen: []))?.message.hasSuffix(
                "not proven: with the DEBUG it runs with now, no console handler takes the probe record") == true)
        introspection.console?.proof = ["root": .init(written: ["stderr"], error: nil)]
        #expect(observe(ConsoleLogProof(seen: [], problem: "GET /containers/{name}/logs answered 500"))?.status == .unknown)
        #expect(observe(ConsoleLogProof(seen: []))?.status == .drift)
        #expect(observe(ConsoleLogProof(seen: ["root"]))?.status == .ok)
    }

    @Test func theFixSendsEachNamedLoggerToAConsoleHandlerAtTheWantedLevel() {
        let snippet = DjangoFixes.consoleLoggingSnippet(.init(loggers: ["root", "rims.workflow"], level: .INFO))
        #expect(
            snippet == """
                LOGGING = {
                    "version": 1,
                    "disable_existing_loggers": False,
                    "handlers": {
                        "console": {"class": "logging.StreamHandler"},
                    },
                    "root": {"handlers": ["console"], "level": "INFO"},
                    "loggers": {
                        "rims.workflow": {"handlers": ["console"], "level": "INFO", "propagate": False},
                    },
                }
                """)
    }

    // MARK: Deployment checks

    static func withMessages(_ messages: [Introspection.CheckMessage]) throws -> Introspection {
        var introspection = try DjangoFixtures.introspection("production.json")
        introspection.checks = .init(messages: messages, error: nil)
        return introspection
    }

    static func message(_ id: String, _ level: Int, silenced: Bool = false, hint: String? = nil) -> Introspection.CheckMessage {
        .init(id: id, level: level, message: "\(id) fired", hint: hint, object: nil, silenced: silenced)
    }

    @Test func levelsMapToSeveritiesAndSilencedChecksAreIgnored() throws {
        let introspection = try Self.withMessages([
            Self.message("app.C001", 50), Self.message("app.E001", 40), Self.message("app.W001", 30, hint: "Do X."),
            Self.message("app.I001", 20), Self.message("security.W004", 30, silenced: true),
        ])
        let findings = Self.findings(introspection).filter { $0.status == .drift }
        #expect(findings.map(\.resource) == ["app.C001", "app.E001", "app.W001"])
        #expect(findings.map(\.severity) == [.critical, .error, .warning])
        #expect(findings[2].fix?.summary == "Do X. Or, if this is accepted for this site, add app.W001 to deploy_check.ignore.")
        #expect(findings[0].observed == "reported at CRITICAL")
        #expect(findings[0].message == "app.C001 fired")
    }

    @Test func anIgnoredCheckThatNoLongerFiresIsNoted() throws {
        var spec = Self.spec
        spec.deployCheck = .init(failLevel: .WARNING, ignore: ["security.W004"])
        let finding = try #require(Self.findings(try Self.withMessages([]), spec: spec).about("deploy_check"))
        #expect(finding.status == .ok)
        #expect(finding.message == "no deployment check at WARNING or above (no longer reported: security.W004)")
    }

    @Test func checksThatCannotRunAreUnknown() throws {
        var introspection = try DjangoFixtures.introspection("production.json")
        introspection.checks = .init(
            messages: nil, error: PythonFailure(stage: "run_checks", type: "ImportError", lastLine: "ImportError: x"))
        let finding = try #require(Self.findings(introspection).about("deploy_check"))
        #expect(finding.status == .unknown)
    }

    @Test func allowedHostsFixUsesTheManifestsHosts() throws {
        let findings = Self.findings(try Self.withMessages([Self.message("security.W020", 30)]))
        #expect(findings.about("security.W020")?.fix?.snippet == #"ALLOWED_HOSTS = ["rims.example.com"]"#)
    }

    // MARK: Fix rendering

    @Test func pythonLiterals() {
        let value = ManifestValue.map([
            .init(key: "a", value: .list([.null, .bool(true), .int(3), .double(1.5)])),
            .init(key: "b\"", value: .string("x\\y\n\u{1}")),
        ])
        #expect(DjangoFixes.pythonLiteral(value) == #"{"a": [None, True, 3, 1.5], "b\"": "x\\y\n\x01"}"#)
    }

    @Test func shellWords() {
        #expect(ShellWord.quoted("/app/media") == "/app/media")
        #expect(ShellWord.quoted("a b") == "'a b'")
        #expect(ShellWord.quoted("it's") == #"'it'\''s'"#)
        #expect(ShellWord.quoted("") == "''")
    }

    @Test func anEnvironmentDrivenSettingWithoutAComputedValueGetsTheFixedLine() throws {
        var introspection = try DjangoFixtures.introspection("from-environment.json")
        introspection.settings?["DEBUG"]?.source?.envFix = nil
        let finding = try #require(Self.findings(introspection).about("DEBUG"))
        #expect(finding.fix?.language == "python")
        #expect(finding.fix?.snippet == "DEBUG = False")
        #expect(finding.fix?.summary.hasPrefix("DEBUG is read from $DJANGO_DEBUG at rims_backend/settings.py:") == true)
    }

    @Test func djangosDefaultIsNamedInTheFix() throws {
        var introspection = try DjangoFixtures.introspection("production.json")
        introspection.settings?["MEDIA_ROOT"] = .init(value: .string(""), overridden: false)
        let finding = try #require(Self.findings(introspection).about("MEDIA_ROOT"))
        #expect(finding.message == #"MEDIA_ROOT is "" (Django's default), expected "/app/media""#)
        #expect(finding.fix?.summary == "MEDIA_ROOT is Django's default; set it in rims_backend/settings.py.")
    }
}
