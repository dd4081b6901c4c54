import Foundation
import ReconcileKit
import ReconcileTestSupport
import Synchronization
import TestSupport
import Testing

@testable import DjangoChecker

/// Runs a command to completion with ReconcileKit's `Subprocess` and returns its stdout;
/// throws with its stderr when it fails. TestSupport's `run` does the same blocking its
/// thread: this one suspends (with a timeout), so the parallel container tests never hold
/// one of the two cooperative threads while podman works.
@discardableResult
func tool(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)
) async throws -> String {
    var merged = ProcessInfo.processInfo.environment
    merged.merge(environment) { $1 }
    let output = try await Subprocess.run(
        executable: resolveExecutable(executable), arguments: arguments, environment: merged, workingDirectory: "/",
        timeout: timeout
    ).launched()
    guard output.status == 0, !output.timedOut else {
        throw TestSupportError(
            "\(executable) \(arguments.joined(separator: " ")) exited \(output.status)"
                + "\(output.timedOut ? " (timed out)" : ""): \(String(decoding: output.stderr, as: UTF8.self))")
    }
    return String(decoding: output.stdout, as: UTF8.self)
}

private let pathsToRemove = Mutex<[String]>([])

/// Deletes `path` when the test process exits (for directories shared by all tests).
func removeAtExit(_ path: String) {
    let first = pathsToRemove.withLock { paths in
        paths.append(path)
        return paths.count == 1
    }
    if first {
        atexit {
            for path in pathsToRemove.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
    }
}

/// A value made once, by the first test that asks for it, and shared (a `static let`
/// cannot be made asynchronously).
final class Once<Value: Sendable>: Sendable {
    private let task = Mutex<Task<Value, any Error>?>(nil)
    private let make: @Sendable () async throws -> Value

    init(_ make: @escaping @Sendable () async throws -> Value) {
        self.make = make
    }

    func value() async throws -> Value {
        let task = task.withLock { task in
            if let task { return task }
            let made = Task { try await make() }
            task = made
            return made
        }
        return try await task.value
    }
}

/// Observes and compares the way a run does, returning the observation too.
func check(
    _ spec: DjangoSpec, mode: RunMode = .dryRun, environment: [String: String] = ProcessInfo.processInfo.environment,
    config: OperatorConfig = .defaults
) async throws -> (DjangoObservation, [Finding]) {
    let context = ObservationContext(mode: mode, source: StubSource(), environment: environment, operatorConfig: config)
    let checker = DjangoChecker()
    let observation = try await checker.observe(spec, in: context)
    return (observation, checker.compare(spec, with: observation))
}

extension Array where Element == Finding {
    /// The finding about `resource` (a setting name, `console_logging`, a check id).
    func about(_ resource: String) -> Finding? { first { $0.resource == resource } }
}

// MARK: Decoding a django: section from YAML

/// Decodes `django:` YAML (the section's body, indented by two) through the real
/// manifest decoder, returning the spec or the decoder's error lines.
enum SpecDecoding {
    /// The decoder's error lines (`line:col: key.path: message`).
    struct Errors: Error, Equatable {
        let lines: [String]
    }

    static func decode(_ body: String) -> Result<DjangoSpec, Errors> {
        let text = "name: test\nvars: { domain: rims.example.com }\ndjango:\n" + body
        do {
            return .success(try ReconcileTestSupport.decode(DjangoSpec.self, yaml: text))
        } catch {
            return .failure(Errors(lines: error.errors.map { "\($0.position.line):\($0.position.column): \($0.keyPath): \($0.message)" }))
        }
    }
}

// MARK: Recorded fixtures

/// Tests/Fixtures/django: introspection documents recorded from real runs of the
/// script against the project variants below (re-recorded by running the integration
/// tests with RECORD_DJANGO_FIXTURES=1, never silently).
enum DjangoFixtures {
    static func path(_ name: String) -> String { TestPaths.fixture("django/\(name)") }

    static func data(_ name: String) throws -> Data { try Fixtures.data("django/\(name)") }

    /// A recorded introspection, decoded the way a run decodes it.
    static func introspection(_ name: String) throws -> Introspection {
        let outcome = IntrospectionOutput.outcome(of: RawRun(stdout: try data(name), stderr: Data(), status: 0))
        guard case .introspected(let introspection) = outcome else {
            throw TestSupportError("\(name) is not a successful introspection: \(outcome)")
        }
        return introspection
    }

    /// Writes `stdout` as fixture `name` when RECORD_DJANGO_FIXTURES=1.
    static func recordIfAsked(_ name: String, stdout: Data) throws {
        guard ProcessInfo.processInfo.environment["RECORD_DJANGO_FIXTURES"] == "1" else { return }
        try FileManager.default.createDirectory(atPath: path(""), withIntermediateDirectories: true)
        try stdout.write(to: URL(fileURLWithPath: path(name)))
    }
}

// MARK: Real Django projects

/// A real Django project made by `django-admin startproject rims_backend` in a temp
/// dir, with production settings appended (every deployment check passes) and then
/// changed per variant. The base project is made once per test process and copied.
final class DjangoProject: Sendable {
    let directory: TemporaryDirectory
    var path: String { directory.path }
    var settingsFile: String { directory.file("rims_backend/settings.py") }
    var urlsFile: String { directory.file("rims_backend/urls.py") }

    static let secretKey = "k3J9pQ2xVbN7mR4tW8yZ1aC6dF0gH5jL-sE_uI3oP7qT2wX9vB4nM8kR1cY6zA0f"
    static let databasePassword = "db-pa55w0rd-Zq8Xw2"

    /// Appended to the generated settings.py: production-correct.
    static let productionSettings = """

        # Production settings (reconcile test fixture).
        import os
        DEBUG = False
        SECRET_KEY = "\(secretKey)"
        ALLOWED_HOSTS = ["rims.example.com"]
        MEDIA_URL = "/media/"
        MEDIA_ROOT = "/app/media"
        STATIC_ROOT = "/app/static"
        SECURE_HSTS_SECONDS = 31536000
        SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        SECURE_HSTS_PRELOAD = True
        SECURE_SSL_REDIRECT = True
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SESSION_COOKIE_SECURE = True
        CSRF_COOKIE_SECURE = True
        DATABASES["default"]["PASSWORD"] = "\(databasePassword)"
        LOGGING = {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {"console": {"class": "logging.StreamHandler"}},
            "root": {"handlers": ["console"], "level": "INFO"},
        }

        """

    /// Appended to the generated urls.py: media routes only in development.
    static let guardedMediaRoutes = """

        from django.conf import settings
        from django.conf.urls.static import static

        if settings.DEBUG:
            urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

        """

    private static let base = Once<TemporaryDirectory> {
        let directory = try TemporaryDirectory(prefix: "reconcile-django-base")
        // Kept for the whole test process (a static is never deinitialised): removed at exit.
        removeAtExit(directory.path)
        try await tool(
            "\(TestPaths.repositoryRoot)/.venv/bin/django-admin", ["startproject", "rims_backend", directory.path],
            environment: ["PYTHONDONTWRITEBYTECODE": "1"])
        try append(directory.file("rims_backend/settings.py"), productionSettings)
        try append(directory.file("rims_backend/urls.py"), guardedMediaRoutes)
        return directory
    }

    private init(directory: TemporaryDirectory) {
        self.directory = directory
    }

    /// A fresh copy of the production-correct project, with `settings` appended to its
    /// settings.py and `urls` to its urls.py.
    static func make(settings: String? = nil, urls: String? = nil) async throws -> DjangoProject {
        let base = try await base.value()
        let project = try await offPool {
            let directory = try TemporaryDirectory(prefix: "reconcile-django")
            for name in try FileManager.default.contentsOfDirectory(atPath: base.path) {
                try FileManager.default.copyItem(atPath: base.file(name), toPath: directory.file(name))
            }
            return DjangoProject(directory: directory)
        }
        if let settings { try project.appendSettings(settings) }
        if let urls { try project.appendURLs(urls) }
        return project
    }

    func appendSettings(_ text: String) throws { try Self.append(settingsFile, "\n" + text + "\n") }
    func appendURLs(_ text: String) throws { try Self.append(urlsFile, "\n" + text + "\n") }

    /// Replaces `old` (which must be there) in settings.py.
    func replaceInSettings(_ old: String, with new: String) throws {
        let text = try String(contentsOfFile: settingsFile, encoding: .utf8)
        guard text.contains(old) else { throw TestSupportError("settings.py has no \(old)") }
        try text.replacingOccurrences(of: old, with: new).write(toFile: settingsFile, atomically: true, encoding: .utf8)
    }

    /// Every file and directory under the project, with sizes and modification times,
    /// to prove a run wrote nothing.
    func snapshot() throws -> [String: String] {
        var result: [String: String] = [:]
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: path) else { return [:] }
        for case let relative as String in walker {
            let attributes = try manager.attributesOfItem(atPath: directory.file(relative))
            result[relative] = "\(attributes[.size] ?? 0) \(attributes[.modificationDate] ?? "")"
        }
        return result
    }

    static func append(_ file: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// The `django:` spec a production manifest would hold for this project.
    func spec(
        python: String = venvPython, environment: [String: String] = [:], settings: [DjangoSpec.Setting] = productionExpectations,
        timeoutMilliseconds: Int = 30_000, settingsModule: String = "rims_backend.settings"
    ) -> DjangoSpec {
        DjangoSpec(
            runner: .local(DjangoSpec.LocalRunner(python: python, workdir: path, environment: environment)),
            settingsModule: settingsModule, settings: settings, mediaServedByDjango: false, consoleLogging: true,
            deployCheck: DjangoSpec.DeployCheck(failLevel: .WARNING), timeoutMilliseconds: timeoutMilliseconds)
    }

    static let venvPython = "\(TestPaths.repositoryRoot)/.venv/bin/python3"

    static let productionExpectations: [DjangoSpec.Setting] = [
        .init(name: "DEBUG", value: .bool(false)),
        .init(name: "MEDIA_ROOT", value: .string("/app/media")),
        .init(name: "MEDIA_URL", value: .string("/media/")),
        .init(name: "ALLOWED_HOSTS", value: .list([.string("rims.example.com")])),
    ]
}
