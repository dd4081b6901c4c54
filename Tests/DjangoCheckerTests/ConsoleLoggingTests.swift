import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import DjangoChecker

/// `console_logging` on real `startproject` variants, judged the way production runs:
/// handler and logger levels, propagation, disabled loggers, and DEBUG filters decided
/// with DEBUG as the manifest wants it. The base project logs to a root StreamHandler
/// (stderr) at INFO with DEBUG off.
@Suite struct ConsoleLoggingTests {
    static let loggers = ["root", "rims.workflow", "django"]

    static func run(_ project: DjangoProject, loggers: [String] = loggers, level: DjangoSpec.CheckLevel = .INFO)
        async throws -> [Finding]
    {
        var spec = project.spec()
        spec.consoleLogging = .init(loggers: loggers, level: level)
        return try await check(spec).1.filter { $0.resource.hasPrefix("console_logging:") }
    }

    @Test func aRootConsoleHandlerCarriesEveryPropagatingLogger() async throws {
        let project = try await DjangoProject.make()
        let findings = try await Self.run(project)
        #expect(findings.map(\.resource) == ["console_logging:root", "console_logging:rims.workflow", "console_logging:django"])
        for finding in findings {
            #expect(finding.status == .ok, "\(finding.resource): \(finding.message)")
        }
        let workflow = try #require(findings.about("console_logging:rims.workflow"))
        #expect(workflow.expected == "INFO records of logger rims.workflow reach stdout or stderr")
        #expect(
            workflow.message
                == "INFO records of logger rims.workflow reach the console through root.console (logging.StreamHandler, stderr)")
        // Django's own console handler is muted with DEBUG off; the record propagates to root.
        let django = try #require(findings.about("console_logging:django"))
        #expect(
            django.observed?.hasPrefix("django.console (logging.StreamHandler, stderr): dropped by django.utils.log.RequireDebugTrue")
                == true)
        #expect(django.observed?.hasSuffix("root.console (logging.StreamHandler, stderr): writes (DEBUG off)") == true)
    }

    @Test func aLoggerThatDoesNotPropagateNeedsItsOwnConsoleHandler() async throws {
        let project = try await DjangoProject.make()
        let log = project.directory.file("workflow.log")
        try project.appendSettings(
            """
            LOGGING["handlers"]["workflow_file"] = {"class": "logging.FileHandler", "filename": "\(log)", "delay": True}
            LOGGING["handlers"]["workflow_out"] = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
            LOGGING["loggers"] = {
                "rims.workflow": {"handlers": ["workflow_file"], "level": "INFO", "propagate": False},
                "rims.billing": {"handlers": ["workflow_out"], "level": "INFO", "propagate": False},
            }
            """)
        let findings = try await Self.run(project, loggers: ["rims.workflow", "rims.billing"])
        let workflow = try #require(findings.about("console_logging:rims.workflow"))
        #expect(workflow.status == .drift)
        #expect(workflow.observed == "rims.workflow.workflow_file (logging.FileHandler): writes to a file (DEBUG off)")
        #expect(
            workflow.message
                == "INFO records of logger rims.workflow never reach stdout or stderr: rims.workflow.workflow_file "
                + "(logging.FileHandler) does not write to stdout or stderr; propagation stops at rims.workflow (propagate: False)")
        #expect(
            workflow.fix?.snippet?.contains(#""rims.workflow": {"handlers": ["console"], "level": "INFO", "propagate": False}"#) == true)
        let billing = try #require(findings.about("console_logging:rims.billing"))
        #expect(billing.status == .ok, "\(billing.message)")
        #expect(billing.message.hasSuffix("through rims.billing.workflow_out (logging.StreamHandler, stdout)"))
        #expect(!FileManager.default.fileExists(atPath: log), "the probe record was written")
    }

    @Test func aHandlerLevelAboveTheWantedLevelIsDriftButNotForItsOwnLevel() async throws {
        let project = try await DjangoProject.make(settings: #"LOGGING["handlers"]["console"]["level"] = "WARNING""#)
        let info = try #require(try await Self.run(project, loggers: ["rims.workflow"]).first)
        #expect(info.status == .drift)
        #expect(
            info.message
                == "INFO records of logger rims.workflow never reach stdout or stderr: root.console "
                + "(logging.StreamHandler, stderr) takes only WARNING and above")
        #expect(info.observed == "root.console (logging.StreamHandler, stderr): level WARNING (DEBUG off)")
        let warning = try #require(try await Self.run(project, loggers: ["rims.workflow"], level: .WARNING).first)
        #expect(warning.status == .ok)
    }

    @Test func aLoggerLevelAboveTheWantedLevelDropsTheRecordBeforeAnyHandler() async throws {
        let project = try await DjangoProject.make(settings: #"LOGGING["loggers"] = {"rims": {"level": "ERROR"}}"#)
        let finding = try #require(try await Self.run(project, loggers: ["rims.workflow"]).first)
        #expect(finding.status == .drift)
        #expect(finding.message.hasSuffix("never reach stdout or stderr: the logger drops the record: its effective level is ERROR"))
    }

    /// Django's default LOGGING: the console handler has require_debug_true. With DEBUG
    /// wrongly on, logs reach the console now; with DEBUG off, as wanted, they would not.
    @Test func aConsoleHandlerLiveOnlyBecauseDebugIsWronglyOnIsDriftThatSaysFixingDebugSilencesIt() async throws {
        let project = try await DjangoProject.make(settings: "del LOGGING\nDEBUG = True")
        let findings = try await Self.run(project, loggers: ["django"])
        let django = try #require(findings.about("console_logging:django"))
        #expect(django.status == .drift)
        #expect(
            django.message
                == "INFO records of logger django reach the console now only because DEBUG is on: with DEBUG off, as the "
                + "manifest wants, django.console (logging.StreamHandler, stderr) is muted by "
                + "django.utils.log.RequireDebugTrue, which passes records only while DEBUG is on; django.mail_admins "
                + "(django.utils.log.AdminEmailHandler) takes only ERROR and above. Fixing DEBUG will silence these logs")
        #expect(django.fix?.summary.hasPrefix("Give these loggers a console handler without a DEBUG filter") == true)
        #expect(django.fix?.snippet?.contains(#""django": {"handlers": ["console"], "level": "INFO", "propagate": False}"#) == true)
        // The same project, judged by a manifest that wants DEBUG on, is in sync.
        var spec = project.spec(settings: [.init(name: "DEBUG", value: .bool(true))])
        spec.consoleLogging = .init(loggers: ["django"], level: .INFO)
        #expect(try await check(spec).1.about("console_logging:django")?.status == .ok)
    }

    /// A project's own subclass of RequireDebugFalse is called, so it decides as it
    /// would in production: with the desired DEBUG off it passes, though DEBUG is on now.
    @Test func aSubclassOfRequireDebugFalseIsJudgedWithTheDesiredDebug() async throws {
        let project = try await DjangoProject.make()
        try """
        from django.utils.log import RequireDebugFalse


        class ProductionOnly(RequireDebugFalse):
            pass
        """.write(toFile: project.directory.file("rims_backend/logfilters.py"), atomically: true, encoding: .utf8)
        try project.appendSettings(
            """
            DEBUG = True
            LOGGING["filters"] = {"production_only": {"()": "rims_backend.logfilters.ProductionOnly"}}
            LOGGING["handlers"]["console"]["filters"] = ["production_only"]
            """)
        let finding = try #require(try await Self.run(project, loggers: ["rims.workflow"]).first)
        #expect(finding.status == .ok, "\(finding.message)")
        #expect(finding.observed == "root.console (logging.StreamHandler, stderr): writes (DEBUG off)")
        // Wanting DEBUG on, the filter mutes it, and the reason names the subclass.
        var spec = project.spec(settings: [.init(name: "DEBUG", value: .bool(true))])
        spec.consoleLogging = .init(loggers: ["rims.workflow"], level: .INFO)
        let debugOn = try #require(try await check(spec).1.about("console_logging:rims.workflow"))
        #expect(debugOn.status == .drift)
        #expect(
            debugOn.message.hasSuffix(
                "root.console (logging.StreamHandler, stderr) is muted by rims_backend.logfilters.ProductionOnly, which "
                    + "passes records only while DEBUG is off"))
    }

    /// dictConfig disables loggers that existed before it ran unless LOGGING says
    /// "disable_existing_loggers": False: a logger made in settings.py is silenced.
    @Test func aLoggerDisabledByDisableExistingLoggersIsDrift() async throws {
        let project = try await DjangoProject.make()
        try project.replaceInSettings(#""disable_existing_loggers": False"#, with: #""disable_existing_loggers": True"#)
        try project.appendSettings(#"import logging; logging.getLogger("rims.workflow")"#)
        let findings = try await Self.run(project, loggers: ["rims.workflow", "rims.other"])
        let workflow = try #require(findings.about("console_logging:rims.workflow"))
        #expect(workflow.status == .drift)
        #expect(workflow.message.contains("the logger drops the record: it is disabled (it existed before LOGGING was applied"))
        #expect(workflow.observed?.hasPrefix("dropped by the logger: it is disabled") == true)
        #expect(workflow.fix?.snippet?.contains(#""disable_existing_loggers": False"#) == true)
        #expect(findings.about("console_logging:rims.other")?.status == .ok)
    }
}
