import DjangoChecker
import Foundation
import MediaChecker
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

/// The MEDIA_ROOT link judges where a real Django (the test virtualenv's, local runner)
/// writes uploads: its default storage, which STORAGES may point away from MEDIA_ROOT or
/// off the machine. MEDIA_ROOT is /app/media in every project here, as the chain wants.
@Suite struct UploadStorageTests {
    static let registry = CheckerRegistry(checkers: [DjangoChecker.self, MediaChecker.self])

    /// A project package `shop` with these settings and no routes; removed when released.
    static func project(storages: String, extra: String = "") throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "reconcile-storage")
        try directory.write("shop/__init__.py", "")
        try directory.write("shop/urls.py", "urlpatterns = []\n")
        try directory.write(
            "shop/settings.py",
            """
            SECRET_KEY = "storage-test-key-storage-test-key-storage-test-key"
            ROOT_URLCONF = "shop.urls"
            MEDIA_URL = "/media/"
            MEDIA_ROOT = "/app/media"
            STORAGES = \(storages)

            """)
        if !extra.isEmpty { try directory.write("shop/bucket.py", extra) }
        return directory
    }

    /// The media chain's findings for that project, Django observed with the local runner.
    static func run(_ project: TemporaryDirectory) async throws -> [String: Finding] {
        let manifest = try ManifestDecoder(registry: registry).decode(
            """
            apiVersion: reconcile/v1
            kind: Environment
            django:
              runner:
                local: { python: \(TestPaths.repositoryRoot)/.venv/bin/python3, workdir: \(project.path) }
              settings_module: shop.settings
            mounts:
              - name: media
                container: backend
                container_path: /app/media
                host_path: /srv/rims/media
                served_at: /media/
            """, file: "manifests/media.yaml")
        let context = ObservationContext(mode: .dryRun, source: StubSource(), environment: ProcessInfo.processInfo.environment)
        let findings = await Reconciler(checkDeadline: .seconds(60)).run(manifest.checks, context: context, only: ["media"])
        return Dictionary(uniqueKeysWithValues: findings.map { ($0.resource, $0) })
    }

    static let staticFiles = #""staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}"#

    @Test func aFileSystemStorageWithItsOwnLocationIsDriftNamingSTORAGES() async throws {
        let project = try Self.project(
            storages: """
                {
                    "default": {
                        "BACKEND": "django.core.files.storage.FileSystemStorage",
                        "OPTIONS": {"location": "/srv/elsewhere", "base_url": "/media/"},
                    },
                    \(Self.staticFiles),
                }
                """)
        let finding = try #require(try await Self.run(project)["media: MEDIA_ROOT"])
        #expect(finding.status == .drift, "\(finding.message)")
        #expect(finding.observed == "/srv/elsewhere")
        #expect(finding.message.contains(#"the location of STORAGES["default"]"#), "\(finding.message)")
        #expect(finding.message.contains("MEDIA_ROOT /app/media is not used"), "\(finding.message)")
        #expect(finding.fix?.snippet == #"STORAGES["default"].setdefault("OPTIONS", {})["location"] = "/app/media""#)
    }

    @Test func aFileSystemStorageWithoutALocationWritesToMediaRoot() async throws {
        let project = try Self.project(
            storages: #"{"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, \#(Self.staticFiles)}"#)
        let finding = try #require(try await Self.run(project)["media: MEDIA_ROOT"])
        #expect(finding.status == .ok, "\(finding.message)")
        #expect(finding.message == "Django writes uploads to /app/media")
    }

    /// A remote backend (as S3Storage: a `location` that is a key prefix, options holding
    /// keys): nothing local to compare, so unknown, naming the class and no option.
    @Test func aStorageWithoutALocalDirectoryIsUnknownNamingItsClassAndNoOption() async throws {
        let project = try Self.project(
            storages: """
                {
                    "default": {
                        "BACKEND": "shop.bucket.BucketStorage",
                        "OPTIONS": {"location": "uploads", "access_key": "AKIAEXAMPLEKEY12345", "secret_key": "s3cr3t-v4lue-never-shown"},
                    },
                    \(Self.staticFiles),
                }
                """,
            extra: """
                from django.core.files.storage import Storage


                class BucketStorage(Storage):
                    def __init__(self, location="", access_key=None, secret_key=None):
                        self.location = location
                        self.access_key = access_key
                        self.secret_key = secret_key

                """)
        let found = try await Self.run(project)
        let finding = try #require(found["media: MEDIA_ROOT"])
        #expect(finding.status == .unknown)
        #expect(finding.message.contains(#"uploads go to shop.bucket.BucketStorage (STORAGES["default"])"#), "\(finding.message)")
        let text = found.values.map { "\($0.message) \($0.observed ?? "") \($0.fix?.summary ?? "")" }.joined()
        #expect(!text.contains("AKIAEXAMPLEKEY12345") && !text.contains("s3cr3t-v4lue-never-shown") && !text.contains("uploads\""))
    }

    @Test func aStorageThatCannotBeBuiltIsUnknown() async throws {
        let project = try Self.project(
            storages: #"{"default": {"BACKEND": "shop.missing.Storage"}, \#(Self.staticFiles)}"#)
        let finding = try #require(try await Self.run(project)["media: MEDIA_ROOT"])
        #expect(finding.status == .unknown)
        #expect(finding.message.contains("could not be built"), "\(finding.message)")
        #expect(finding.message.contains("No module named 'shop.missing'"), "\(finding.message)")
    }
}
