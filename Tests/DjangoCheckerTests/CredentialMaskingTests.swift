import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import DjangoChecker

/// Credentials inside Django values (`DATABASE_URL`, broker URLs, a cache `LOCATION`)
/// are masked in what is printed, and never in what is compared.
@Suite struct CredentialMaskingTests {
    /// The recorded production run with URL-valued settings added, as a project that
    /// configures its services by URL would report them.
    static func introspection() throws -> Introspection {
        let recorded = String(decoding: try DjangoFixtures.data("production.json"), as: UTF8.self)
        let added = """
            "settings": {"DATABASE_URL": {"value": "postgres://app:app@db:5432/app", "overridden": true}, \
            "CELERY_BROKER_URL": {"value": "redis://:brokerpw-live@redis2:6379/0", "overridden": true}, \
            "CACHES": {"value": {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", \
            "LOCATION": "redis://cache:cachepw-live@redis:6379/1"}}, "overridden": true}, \
            "STORAGE_ROOT": {"value": "/srv/app/media", "overridden": true}, 
            """
        let text = recorded.replacingOccurrences(of: #""settings": {"#, with: added)
        let outcome = IntrospectionOutput.outcome(of: RawRun(stdout: Data(text.utf8), stderr: Data(), status: 0))
        guard case .introspected(let introspection) = outcome else { throw TestSupportError("\(outcome)") }
        return introspection
    }

    @Test func urlCredentialsAreMaskedWhenPrintedAndAPathEqualToThePasswordIsNot() throws {
        var spec = VerdictTests.spec
        spec.settings = [
            // Equal to what runs, password included: must compare equal (ok).
            .init(name: "DATABASE_URL", value: .string("postgres://app:app@db:5432/app")),
            // The password is `app`: this path must come out unaltered.
            .init(name: "STORAGE_ROOT", value: .string("/srv/app/media")),
            .init(name: "CELERY_BROKER_URL", value: .string("redis://:brokerpw-wanted@redis:6379/0")),
            .init(
                name: "CACHES",
                value: .map([.init(key: "default", value: .map([.init(key: "LOCATION", value: .string("redis://redis:6379/1"))]))])),
        ]
        let findings = DjangoChecker().compare(
            spec, with: DjangoObservation(runner: "test", outcome: .introspected(try Self.introspection())))
        #expect(findings.about("DATABASE_URL")?.status == .ok, "masking must not change comparisons")
        #expect(findings.about("STORAGE_ROOT")?.status == .ok)
        #expect(findings.about("CELERY_BROKER_URL")?.status == .drift)
        #expect(findings.about("CACHES")?.status == .drift)
        // What was compared still holds the real values; only the printed report is masked.
        #expect(findings.about("CELERY_BROKER_URL")?.observed?.contains("brokerpw-live") == true)

        let report = Report(
            origin: SourceOrigin(repo: "/srv/config", ref: "HEAD", commit: nil, worktree: false),
            manifest: "manifests/prod.yaml", mode: .dryRun, findings: findings
        ).masked(by: SecretMask(secrets: []))
        for output in [
            TextReportRenderer().render(report), JSONReportRenderer.render(report), GitHubAnnotations.of(report).commands,
        ] {
            #expect(!output.contains("brokerpw"), "\(output)")
            #expect(!output.contains("cachepw"))
            #expect(!output.contains("app:app@"))
        }
        let text = TextReportRenderer().render(report)
        #expect(text.contains("redis://***@redis2:6379/0"))
        #expect(text.contains("redis://***@redis:6379/1"))
        #expect(report.findings.first { $0.resource == "STORAGE_ROOT" }?.observed?.contains("/srv/app/media") == true)
    }
}
