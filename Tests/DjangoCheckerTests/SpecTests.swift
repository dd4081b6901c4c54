import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import DjangoChecker

/// The `django:` section as the decoder reads it: both runner forms, typed settings,
/// and errors that name the line and say what to write instead.
@Suite struct SpecTests {
    static func spec(_ body: String) throws -> DjangoSpec {
        try SpecDecoding.decode(body).get()
    }

    static func errors(_ body: String) -> [String] {
        switch SpecDecoding.decode(body) {
        case .success: return []
        case .failure(let errors): return errors.lines
        }
    }

    @Test func designsProductionSectionDecodes() throws {
        let spec = try Self.spec(
            """
              runner:
                container: backend
              settings_module: rims_backend.settings
              settings:
                DEBUG: false
                MEDIA_ROOT: /app/media
                MEDIA_URL: /media/
                ALLOWED_HOSTS: ["${domain}"]
              media_served_by_django: false
              console_logging: true
              deploy_check: { fail_level: WARNING, ignore: [] }
            """)
        #expect(spec.runner == .container(.init(name: "backend")))
        guard case .container(let container) = spec.runner else { return }
        #expect(container.python == "python3")
        #expect(container.endpoint == nil)
        #expect(container.workdir == nil)
        #expect(spec.settings.map(\.name) == ["DEBUG", "MEDIA_ROOT", "MEDIA_URL", "ALLOWED_HOSTS"])
        #expect(
            spec.settings.map(\.value) == [.bool(false), .string("/app/media"), .string("/media/"), .list([.string("rims.example.com")])])
        #expect(spec.settings[0].position.line == 10)
        #expect(spec.settings[0].position.column == 5)
        #expect(spec.mediaServedByDjango == false)
        #expect(spec.mediaPosition?.line == 14)
        #expect(spec.consoleLogging?.wanted == true)
        #expect(spec.consoleLogging?.loggers == ["root", "django"])
        #expect(spec.consoleLogging?.level == .WARNING)
        #expect(spec.deployCheck?.failLevel == .WARNING)
        #expect(spec.deployCheck?.ignore == [])
        #expect(spec.timeoutMilliseconds == 30_000)
    }

    @Test func theRepositorysProductionManifestDecodesWithTheDjangoChecker() throws {
        let text = try String(contentsOfFile: "\(TestPaths.repositoryRoot)/manifests/production.yaml", encoding: .utf8)
        let start = try #require(text.range(of: "\ndjango:\n"))
        let end = try #require(text.range(of: "\nmounts:", range: start.upperBound..<text.endIndex))
        let spec = try Self.spec(String(text[start.upperBound..<end.lowerBound]) + "\n")
        #expect(spec.settingsModule == "rims_backend.settings")
        #expect(spec.settings.count == 4)
    }

    @Test func theLongContainerFormTakesEndpointPythonWorkdirAndEnv() throws {
        let spec = try Self.spec(
            """
              runner:
                container:
                  name: rims-backend_1
                  endpoint: unix:///run/podman/podman.sock
                  python: /app/.venv/bin/python
                  workdir: /app
                  env: { DJANGO_LOG_LEVEL: INFO, WORKERS: 3 }
              settings_module: config.settings.production
              timeout_ms: 5000
            """)
        #expect(
            spec.runner
                == .container(
                    .init(
                        name: "rims-backend_1", endpoint: "unix:///run/podman/podman.sock", python: "/app/.venv/bin/python",
                        workdir: "/app", environment: ["DJANGO_LOG_LEVEL": "INFO", "WORKERS": "3"])))
        #expect(spec.timeoutMilliseconds == 5000)
        #expect(spec.deployCheck == nil)
    }

    @Test func theLocalRunnerTakesPythonWorkdirAndEnv() throws {
        let spec = try Self.spec(
            """
              runner:
                local: { python: .venv/bin/python, workdir: /srv/rims, env: { DJANGO_DEBUG: "0" } }
              settings_module: rims_backend.settings
            """)
        #expect(spec.runner == .local(.init(python: ".venv/bin/python", workdir: "/srv/rims", environment: ["DJANGO_DEBUG": "0"])))
    }

    @Test func consoleLoggingNamesLoggersAndALevel() throws {
        let spec = try Self.spec(
            """
              runner: { container: backend }
              settings_module: m
              console_logging: { loggers: [rims.workflow, django], level: INFO }
            """)
        let console = try #require(spec.consoleLogging)
        #expect(console.wanted)
        #expect(console.loggers == ["rims.workflow", "django"])
        #expect(console.level == .INFO)
        #expect(console.position.line == 8)
        #expect(DjangoFixes.describe(console) == "rims.workflow, django at INFO")
        #expect(
            try Self.spec("  runner: { container: b }\n  settings_module: m\n  console_logging: false\n").consoleLogging?.wanted == false)
    }

    @Test(
        "errors name the line and the fix",
        arguments: [
            (
                "  runner: { container: a, local: { python: p, workdir: w } }\n  settings_module: m\n",
                "6:11: django.runner: give exactly one of container: NAME or local: {python, workdir}"
            ),
            (
                "  runner: {}\n  settings_module: m\n",
                "6:11: django.runner: give exactly one of container: NAME or local: {python, workdir}"
            ),
            (
                "  runner: { container: backend }\n",
                "6:3: django: missing required key 'settings_module'"
            ),
            (
                "  runner: { container: backend }\n  settings_module: rims-backend.settings\n",
                "7:20: django.settings_module: 'rims-backend.settings' is not a Python module path (like project.settings)"
            ),
            (
                "  runner: { container: \"back end\" }\n  settings_module: m\n",
                "6:24: django.runner.container: 'back end' is not a container name (letters, digits, '_', '.', '-')"
            ),
            (
                "  runner: { container: { name: b, endpoint: \"ssh://host\" } }\n  settings_module: m\n",
                "6:45: django.runner.container.endpoint: unsupported URL scheme 'ssh' in 'ssh://host'; use unix, tcp, http, https"
            ),
            (
                "  runner: { container: { name: b, workdir: app } }\n  settings_module: m\n",
                "6:44: django.runner.container.workdir: must be an absolute path, got 'app'"
            ),
            (
                "  runner: { container: { name: b, pyhton: python3 } }\n  settings_module: m\n",
                "6:35: django.runner.container.pyhton: unknown key 'pyhton'; did you mean 'python'? (allowed: name, endpoint, python, workdir, env)"
            ),
            (
                "  runner: { container: b }\n  settings_module: m\n  settings: { debug: false }\n",
                "8:15: django.settings.debug: Django settings are UPPER_CASE; 'debug' would never be read"
            ),
            (
                "  runner: { container: b }\n  settings_module: m\n  settings: { SECRET_KEY: x }\n",
                "8:15: django.settings.SECRET_KEY: 'SECRET_KEY' looks secret (its name contains API, TOKEN, KEY, SECRET, PASS, SIGNATURE, CREDENTIAL, PWD, SALT or PRIVATE), so reconcile never reads its value and cannot compare it; a weak or missing SECRET_KEY is reported by deploy_check (security.W009)"
            ),
            (
                "  runner: { container: b }\n  settings_module: m\n  deploy_check: { fail_level: WARN }\n",
                "8:31: django.deploy_check.fail_level: 'WARN' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
            ),
            (
                "  runner: { local: { python: p, workdir: w, env: [DEBUG] } }\n  settings_module: m\n",
                "6:50: django.runner.local.env: expected a mapping of key: value, found a list"
            ),
            (
                "  runner: { container: b }\n  settings_module: m\n  media_served_by_django: no\n",
                "8:27: django.media_served_by_django: expected true or false, found string 'no'"
            ),
            (
                "  runner: { local: { python: p, workdir: w } }\n  settings_module: m\n  console_logging: { loggers: [django], prove: true }\n",
                "8:20: django.console_logging: prove reads the container's log: it needs runner.container, not runner.local"
            ),
            (
                "  runner: { container: b }\n  settings_module: m\n  console_logging: { loggers: [] }\n",
                "8:31: django.console_logging.loggers: name at least one logger (root is the root logger)"
            ),
            (
                "  runner: { container: b }\n  settings_module: m\n  console_logging: { loggers: [django], level: info }\n",
                "8:48: django.console_logging.level: 'info' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL; did you mean 'INFO'?"
            ),
            (
                "  runner: { container: b }\n  settings_module: m\n  console_logging: { loggers: [django], levle: INFO }\n",
                "8:41: django.console_logging.levle: unknown key 'levle'; did you mean 'level'? (allowed: loggers, level, prove)"
            ),
        ])
    func errors(_ body: String, _ expected: String) {
        #expect(Self.errors(body) == [expected])
    }

    @Test func checkLevelsOrderAsDjangosNumbers() {
        #expect(DjangoSpec.CheckLevel(number: 30) == .WARNING)
        #expect(DjangoSpec.CheckLevel(number: 35) == .WARNING)
        #expect(DjangoSpec.CheckLevel(number: 5) == .DEBUG)
        #expect(DjangoSpec.CheckLevel.ERROR > .WARNING)
    }
}
