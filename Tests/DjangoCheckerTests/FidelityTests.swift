import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import DjangoChecker

/// Values are compared as the project really holds them, on real `startproject`
/// variants: a secret's text inside another setting or a path is never masked before
/// comparing, and settings that hold paths compare as paths.
@Suite struct DjangoFidelityTests {
    @Test(
        "a database password never rewrites a path that contains it",
        arguments: [("app", "/srv/app/media"), ("mediastore", "/srv/mediastore/media")])
    func aPasswordInsideAPathIsNotMasked(_ password: String, _ mediaRoot: String) async throws {
        let project = try await DjangoProject.make(
            settings: """
                DATABASES["default"]["PASSWORD"] = "\(password)"
                MEDIA_ROOT = "\(mediaRoot)"
                UPLOAD_NOTE = "files of \(password) live in \(mediaRoot)"
                """)
        var settings = DjangoProject.productionExpectations.filter { $0.name != "MEDIA_ROOT" }
        settings.append(.init(name: "MEDIA_ROOT", value: .string(mediaRoot)))
        settings.append(.init(name: "UPLOAD_NOTE", value: .string("files of \(password) live in \(mediaRoot)")))
        let (_, findings) = try await check(project.spec(settings: settings))
        let root = try #require(findings.about("MEDIA_ROOT"))
        #expect(root.status == .ok, "\(root.message)")
        #expect(root.observed == "\"\(mediaRoot)\"")
        #expect(findings.about("UPLOAD_NOTE")?.status == .ok, "\(findings.about("UPLOAD_NOTE")?.message ?? "-")")
        #expect(!findings.contains { $0.observed?.contains("********") == true }, "\(findings.map(\.observed))")
    }

    @Test func aSecretQuotedInAnErrorIsStillMaskedThere() async throws {
        let project = try await DjangoProject.make(
            settings: """
                MEDIA_ROOT = "/srv/" + DATABASES["default"]["PASSWORD"] + "/media"
                raise RuntimeError("cannot open " + MEDIA_ROOT)
                """)
        let (_, findings) = try await check(project.spec())
        let finding = try #require(findings.first)
        #expect(finding.status == .unknown)
        #expect(finding.message.contains("RuntimeError: cannot open /srv/********/media"), "\(finding.message)")
        #expect(!finding.message.contains(DjangoProject.databasePassword))
    }

    @Test func settingsThatHoldPathsCompareAsPaths() async throws {
        let project = try await DjangoProject.make(
            settings: """
                MEDIA_ROOT = "/app/media/"
                STATICFILES_DIRS = [BASE_DIR / "assets", "/srv/shared//static/"]
                """)
        let settings: [DjangoSpec.Setting] = [
            .init(name: "MEDIA_ROOT", value: .string("/app/media")),
            .init(name: "STATIC_ROOT", value: .string("/app/static/")),
            .init(name: "BASE_DIR", value: .string(project.path + "/")),
            .init(
                name: "STATICFILES_DIRS",
                value: .list([.string(project.path + "/assets/"), .string("/srv/shared/static")])),
            // A URL prefix is not a path: Django requires its trailing slash.
            .init(name: "MEDIA_URL", value: .string("/media")),
        ]
        let (_, findings) = try await check(project.spec(settings: settings))
        for name in ["MEDIA_ROOT", "STATIC_ROOT", "BASE_DIR", "STATICFILES_DIRS"] {
            let finding = try #require(findings.about(name))
            #expect(finding.status == .ok, "\(name): \(finding.message)")
        }
        #expect(findings.about("MEDIA_URL")?.status == .drift)
        #expect(findings.about("MEDIA_ROOT")?.observed == #""/app/media/""#)
    }

    @Test func aDifferentPathIsStillDrift() async throws {
        let project = try await DjangoProject.make(settings: #"MEDIA_ROOT = "/app/media-old/""#)
        let (_, findings) = try await check(project.spec())
        #expect(findings.about("MEDIA_ROOT")?.status == .drift)
        #expect(findings.about("MEDIA_ROOT")?.message == #"MEDIA_ROOT is "/app/media-old/", expected "/app/media""#)
    }
}
