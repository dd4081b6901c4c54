import DockerChecker
import Foundation
import ReconcileKit
import ReconcileTestSupport
import Synchronization
import TestSupport
import Testing

@testable import DjangoChecker

/// One Podman Docker-API service for this test process, on a private store in a temp
/// dir (its own `--root`/`--runroot`/`--tmpdir`, vfs driver, runc: ENVIRONMENT.md), so
/// nothing here sees or touches another engine's containers. Started by the first test
/// that needs it; at exit its containers and images are removed and the service is
/// stopped by its pid.
///
/// The image is an empty root filesystem: the container runs the host's Python by
/// bind-mounting /usr read-only (and /lib, /lib64 where they are not symlinks into
/// /usr), plus the virtualenv and the project.
final class Podman: Sendable {
    static let image = "localhost/reconcile-django-empty:test"

    let directory: String
    let socketPath: String
    let service: ManagedProcess
    /// Bind mounts that give a container the host's Python.
    let systemMounts: [String]

    private static let started = Once<Podman> { try await Podman.start() }
    /// For the exit handler, which cannot await.
    private static let running = Mutex<Podman?>(nil)

    static func shared() async throws -> Podman { try await started.value() }

    var endpoint: String { "unix://\(socketPath)" }

    private init(directory: String, service: ManagedProcess, systemMounts: [String]) {
        self.directory = directory
        self.socketPath = "\(directory)/docker.sock"
        self.service = service
        self.systemMounts = systemMounts
    }

    private static func start() async throws -> Podman {
        let template = (NSTemporaryDirectory() as NSString).appendingPathComponent("reconcile-django-podman-XXXXXX")
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw TestSupportError("mkdtemp failed: errno \(errno)") }
        let directory = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)

        // The root filesystem: mount points, and the host's /usr-merge symlinks.
        let rootfs = "\(directory)/rootfs"
        let manager = FileManager.default
        var mounts = ["-v", "/usr:/usr:ro"]
        for name in ["usr", "etc", "tmp", "proc", "sys", "dev", "app", "venv"] {
            try manager.createDirectory(atPath: "\(rootfs)/\(name)", withIntermediateDirectories: true)
        }
        for name in ["bin", "sbin", "lib", "lib64"] {
            if let target = try? manager.destinationOfSymbolicLink(atPath: "/\(name)") {
                try manager.createSymbolicLink(atPath: "\(rootfs)/\(name)", withDestinationPath: target)
            } else if manager.fileExists(atPath: "/\(name)") {
                try manager.createDirectory(atPath: "\(rootfs)/\(name)", withIntermediateDirectories: true)
                mounts += ["-v", "/\(name):/\(name):ro"]
            }
        }
        try "root:x:0:0:root:/:/bin/sh\n".write(toFile: "\(rootfs)/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\n".write(toFile: "\(rootfs)/etc/group", atomically: true, encoding: .utf8)
        let tarball = "\(directory)/rootfs.tar"
        try await tool("tar", ["-C", rootfs, "--numeric-owner", "--owner=0", "--group=0", "-cf", tarball, "."])
        try await tool("podman", PodmanEngine.storeArguments(directory) + ["import", "--quiet", tarball, image])
        // Podman keeps the conmon of every exec session alive for exit_command_delay
        // (300 s by default, "mimicking Docker") before cleaning it up; the store is
        // gone by then, so make that short.
        let configuration = "\(directory)/containers.conf"
        try "[engine]\nexit_command_delay = 1\n".write(toFile: configuration, atomically: true, encoding: .utf8)
        let service = try ManagedProcess(
            "podman", PodmanEngine.storeArguments(directory) + ["system", "service", "--time=0", "unix://\(directory)/docker.sock"],
            environment: ["CONTAINERS_CONF": configuration])
        let podman = Podman(directory: directory, service: service, systemMounts: mounts)
        running.withLock { $0 = podman }
        atexit { Podman.shutdownAtExit() }
        let socket = podman.socketPath
        try await offPool {
            try waitUntil("podman service socket \(socket)") {
                isListening(unixSocket: socket) || !service.process.isRunning
            }
        }
        guard isListening(unixSocket: socket) else {
            throw TestSupportError("podman system service did not start: \(service.output)")
        }
        return podman
    }

    /// The podman CLI on this store.
    @discardableResult
    func podman(_ arguments: [String]) async throws -> String {
        try await tool("podman", PodmanEngine.storeArguments(directory) + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A running container with the host's Python, the venv at /venv and `project` at
    /// /app (its working directory). Created with the CLI, started through the API:
    /// `podman run -d` would leave conmon holding the CLI's pipes.
    func runBackend(_ name: String, project: DjangoProject, arguments: [String] = []) async throws {
        try await create(
            name,
            systemMounts + ["-v", "\(TestPaths.repositoryRoot)/.venv:/venv:ro", "-v", "\(project.path):/app", "-w", "/app"]
                + arguments)
        var request = HTTPRequest(method: "POST", url: "http://localhost/v1.41/containers/\(name)/start", unixSocketPath: socketPath)
        request.timeout = .seconds(60)
        let response = try await HTTPClient(policy: .allowAll).send(request)
        guard response.status == 204 || response.status == 304 else {
            throw TestSupportError("starting \(name) answered \(response.status): \(response.bodyText)")
        }
    }

    /// `podman create` (not started).
    func create(_ name: String, _ arguments: [String] = []) async throws {
        try await podman(
            ["create", "--name", name, "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"] + arguments
                + [Self.image, "sleep", "1000"])
    }

    /// Removes a container at once (`-t 0`: its `sleep` ignores SIGTERM).
    func remove(_ name: String) async {
        _ = try? await podman(["rm", "-f", "-t", "0", name])
    }

    /// Runs `body` with a fresh production project (`settings` appended to its
    /// settings.py) and a running container of it that is removed afterwards, whatever happens.
    func withBackend<T>(
        _ label: String, settings: String? = nil, arguments: [String] = [], _ body: (DjangoProject, String) async throws -> T
    ) async throws -> T {
        let project = try await DjangoProject.make(settings: settings)
        let name = "django-\(label)-\(UUID().uuidString.prefix(8).lowercased())"
        do {
            try await runBackend(name, project: project, arguments: arguments)
            let result = try await body(project, name)
            await remove(name)
            return result
        } catch {
            await remove(name)
            throw error
        }
    }

    /// Removes every container and image of the store, stops the service by its pid,
    /// and deletes the store.
    private static func shutdownAtExit() {
        guard let podman = running.withLock({ $0 }) else { return }
        // The conmon of the last exec sessions runs `podman container cleanup` on this
        // store exit_command_delay (1 s) after the exec; let it, or it would recreate
        // the store after it is removed.
        usleep(1_500_000)
        let store = PodmanEngine.storeArguments(podman.directory)
        _ = try? run("podman", store + ["rm", "-af", "-t", "0"])
        _ = try? run("podman", store + ["rmi", "-af"])
        let pid = podman.service.pid
        kill(pid, SIGTERM)
        for _ in 0..<250 where kill(pid, 0) == 0 && !isZombie(pid) { usleep(20_000) }
        if kill(pid, 0) == 0 && !isZombie(pid) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: podman.directory)
    }

    private static func isZombie(_ pid: Int32) -> Bool {
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == pid
    }
}

/// The container runner against a real Docker Engine API (Podman's), with real Django
/// inside a real container: the settings are those of the container's environment,
/// and a dry run can do it.
@Suite(.serialized) struct ContainerRunnerTests {
    static func spec(_ podman: Podman, container: String, python: String = "/venv/bin/python3", timeout: Int = 30_000)
        -> DjangoSpec
    {
        DjangoSpec(
            runner: .container(.init(name: container, endpoint: podman.endpoint, python: python)),
            settingsModule: "rims_backend.settings", settings: DjangoProject.productionExpectations,
            mediaServedByDjango: false, consoleLogging: true, deployCheck: .init(failLevel: .WARNING),
            timeoutMilliseconds: timeout)
    }

    /// `prove`: a probe record goes through each logger's console handlers inside the
    /// container and is read back from the container's log (GET /containers/{id}/logs).
    @Test func consoleLoggingIsProvenThroughTheContainersLog() async throws {
        let podman = try await Podman.shared()
        try await podman.withBackend("proof") { _, container in
            var spec = Self.spec(podman, container: container)
            spec.consoleLogging = .init(loggers: ["rims.workflow", "django"], level: .INFO, prove: true)
            let (_, findings) = try await check(spec, mode: .dryRun)
            for logger in ["rims.workflow", "django"] {
                let finding = try #require(findings.about("console_logging:\(logger)"))
                #expect(finding.status == .ok, "\(finding.message)")
                #expect(finding.message.hasSuffix("; its probe record appeared in the container's log (stderr)"))
            }
            // The engine's own CLI sees the same lines.
            let logs = try await tool(
                "sh", ["-c", "podman \(PodmanEngine.storeArguments(podman.directory).joined(separator: " ")) logs \(container) 2>&1"])
            #expect(logs.contains("reconcile console probe "), "\(logs)")
            #expect(logs.components(separatedBy: "\n").filter { $0.contains("reconcile console probe ") }.count == 2)
        }
    }

    /// The handler writes to the main process's stderr, but that goes to /dev/null: the
    /// log never shows it, which only the live proof can tell.
    @Test func aMainProcessWhoseOutputIsDiscardedFailsTheProof() async throws {
        let podman = try await Podman.shared()
        let discard = ["--entrypoint", #"["/bin/sh", "-c", "exec sleep 1000 >/dev/null 2>&1"]"#]
        try await podman.withBackend("discard", arguments: discard) { _, container in
            var spec = Self.spec(podman, container: container)
            spec.consoleLogging = .init(loggers: ["rims.workflow"], level: .INFO, prove: true)
            let (_, findings) = try await check(spec, mode: .dryRun)
            let finding = try #require(findings.about("console_logging:rims.workflow"))
            #expect(finding.status == .drift)
            #expect(
                finding.message
                    == "the console handlers of rims.workflow wrote a probe record to the main process's stderr, but it "
                    + "never appeared in the container's log: what the container runtime collects is not that process's output")
        }
    }

    @Test func aDryRunReadsTheSettingsInsideTheContainerAndWritesNothing() async throws {
        let podman = try await Podman.shared()
        try await podman.withBackend("prod") { project, container in
            let before = try project.snapshot()
            let (observation, findings) = try await check(Self.spec(podman, container: container), mode: .dryRun)
            #expect(findings.count == 8)
            for finding in findings {
                #expect(finding.status == .ok, "\(finding.resource): \(finding.message)")
            }
            #expect(observation.introspection?.cwd == "/app")
            #expect(observation.runner == "/venv/bin/python3 in container \(container) (\(podman.endpoint))")
            #expect(try project.snapshot() == before)
        }
    }

    @Test func theContainersOwnEnvironmentDecides() async throws {
        let podman = try await Podman.shared()
        try await podman.withBackend(
            "env", settings: #"DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1""#, arguments: ["-e", "DJANGO_DEBUG=1"]
        ) { _, container in
            let (_, findings) = try await check(Self.spec(podman, container: container))
            let debug = try #require(findings.about("DEBUG"))
            #expect(debug.status == .drift)
            #expect(debug.message == "DEBUG is true (from $DJANGO_DEBUG), expected false")
            #expect(debug.fix?.snippet == "DJANGO_DEBUG=False")
        }
    }

    /// The demo's drift: the container runs with DJANGO_DEBUG=1 while the manifest's docker
    /// section gives it "0". Both fixes (DEBUG, and the media route static() makes only
    /// under DEBUG) name the manifest's own value, so following them makes no docker drift.
    @Test func theFixUsesTheValueTheDockerSectionGivesTheContainer() async throws {
        let podman = try await Podman.shared()
        try await podman.withBackend(
            "pinned", settings: #"DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1""#, arguments: ["-e", "DJANGO_DEBUG=1"]
        ) { _, container in
            let manifest = try ManifestDecoder(registry: CheckerRegistry(checkers: [DockerChecker.self, DjangoChecker.self]))
                .decode(
                    """
                    apiVersion: reconcile/v1
                    kind: Environment
                    docker:
                      endpoint: \(podman.endpoint)
                      containers:
                        - name: \(container)
                          environment: { DJANGO_DEBUG: "0" }
                    django:
                      runner:
                        container: { name: \(container), endpoint: "\(podman.endpoint)", python: /venv/bin/python3 }
                      settings_module: rims_backend.settings
                      settings: { DEBUG: false }
                      media_served_by_django: false
                    """, file: "manifests/production.yaml")
            let context = ObservationContext(mode: .dryRun, source: StubSource())
            let findings = await Reconciler(checkDeadline: .seconds(60)).run(manifest.checks, context: context, only: ["django"])
            let debug = try #require(findings.about("DEBUG"))
            #expect(debug.status == .drift)
            #expect(debug.fix?.snippet == "DJANGO_DEBUG=0")
            #expect(debug.fix?.summary.hasSuffix("That is the value the manifest gives it.") == true, "\(debug.fix?.summary ?? "")")
            let media = try #require(findings.about("media_served_by_django"))
            #expect(media.status == .drift)
            #expect(media.fix?.snippet == "DJANGO_DEBUG=0")
        }
    }

    @Test func anImportErrorInsideTheContainerIsUnknownWithPythonsLastLine() async throws {
        let podman = try await Podman.shared()
        try await podman.withBackend("broken", settings: "import reconcile_missing_package") { _, container in
            let (_, findings) = try await check(Self.spec(podman, container: container))
            #expect(findings.map(\.status) == [.unknown])
            #expect(
                findings.first?.observed?.hasPrefix(
                    "ModuleNotFoundError: No module named 'reconcile_missing_package' at rims_backend/settings.py:") == true)
        }
    }

    @Test func aMissingInterpreterInsideTheContainerIsUnknown() async throws {
        let podman = try await Podman.shared()
        try await podman.withBackend("nopython") { _, container in
            let (_, findings) = try await check(Self.spec(podman, container: container, python: "/app/.venv/bin/python"))
            #expect(findings.map(\.status) == [.unknown])
            #expect(findings.first?.message.contains("(no interpreter)") == true)
            #expect(findings.first?.observed?.contains("/app/.venv/bin/python") == true)
            #expect(findings.first?.fix?.summary.contains("runner.container.python") == true)
        }
    }

    @Test func aMissingAndAStoppedContainerAreUnknown() async throws {
        let podman = try await Podman.shared()
        let (_, missing) = try await check(Self.spec(podman, container: "django-absent-\(UUID().uuidString.prefix(8).lowercased())"))
        #expect(missing.map(\.status) == [.unknown])
        #expect(missing.first?.message.contains("(no such container)") == true)

        let stopped = "django-stopped-\(UUID().uuidString.prefix(8).lowercased())"
        try await podman.create(stopped)
        let (_, findings) = try await check(Self.spec(podman, container: stopped))
        await podman.remove(stopped)
        #expect(findings.map(\.status) == [.unknown])
        #expect(findings.first?.message.contains("(container not running)") == true)
        #expect(findings.first?.fix?.summary.contains("docker start") == true)
    }

    @Test func settingsThatHangInsideTheContainerTimeOut() async throws {
        let podman = try await Podman.shared()
        try await podman.withBackend("hang", settings: "import time\ntime.sleep(60)") { _, container in
            let clock = ContinuousClock()
            let started = clock.now
            let (_, findings) = try await check(Self.spec(podman, container: container, timeout: 1500))
            #expect(clock.now - started < .seconds(10))
            #expect(findings.map(\.status) == [.unknown])
            #expect(findings.first?.message.contains("(timed out)") == true)
        }
    }

    @Test func aPlainReadOnlyPolicyRefusesTheExec() async throws {
        let podman = try await Podman.shared()
        try await podman.withBackend("policy") { _, container in
            let context = ObservationContext(mode: .dryRun, policy: .readOnly, source: StubSource())
            let checker = DjangoChecker()
            let spec = Self.spec(podman, container: container)
            let findings = checker.compare(spec, with: try await checker.observe(spec, in: context))
            #expect(findings.map(\.status) == [.unknown])
            #expect(findings.first?.message.contains("(refused by the run's policy)") == true)
        }
    }

    /// The dangerous keys a manifest's `env` may name, and one the operator allows.
    static let manifestEnvironment = [
        "DJANGO_MODE": "production", "PYTHONSTARTUP": "/tmp/evil.py", "PYTHONWARNINGS": "ignore::evil.Warning",
        "BROWSER": "/tmp/evil", "LD_PRELOAD": "/tmp/evil.so", "BASH_FUNC_x%%": "() { touch /tmp/evil; }",
    ]

    /// A stand-in interpreter inside the container (the project is mounted at /app): it
    /// records the environment docker exec gave it.
    static func fakePython(_ project: DjangoProject) throws -> String {
        let script = "\(project.path)/fakebin/python3"
        try FileManager.default.createDirectory(atPath: "\(project.path)/fakebin", withIntermediateDirectories: true)
        try "#!/bin/sh\nenv > /app/env-dump\n".write(toFile: script, atomically: true, encoding: .utf8)
        _ = try runChecked("chmod", ["+x", script])
        return "/app/fakebin/python3"
    }

    @Test func theDangerousKeysNeverReachTheContainerEvenWhenTheOperatorAllowsEverything() async throws {
        let podman = try await Podman.shared()
        try await podman.withBackend("envfilter") { project, container in
            let python = try Self.fakePython(project)
            var spec = Self.spec(podman, container: container, python: python)
            spec.runner = .container(
                .init(name: container, endpoint: podman.endpoint, python: python, environment: Self.manifestEnvironment))
            _ = try await check(
                spec, environment: ["RECONCILE_HEALTH_TOKEN": "tok-stays-home"], config: OperatorConfig(runnerEnvironment: ["*"]))
            let dump = try String(contentsOfFile: "\(project.path)/env-dump", encoding: .utf8)
            let names = dump.split(separator: "\n").map { String($0.prefix { $0 != "=" }) }
            #expect(names.contains("DJANGO_MODE"))
            #expect(names.contains("DJANGO_SETTINGS_MODULE"))
            for key in ["PYTHONSTARTUP", "PYTHONWARNINGS", "BROWSER", "LD_PRELOAD", "BASH_FUNC_x%%", "RECONCILE_HEALTH_TOKEN"] {
                #expect(!names.contains(key), "\(key) reached the container: \(dump)")
            }
        }
    }

    @Test func aContainerTheOperatorDidNotListIsNeverExecutedIn() async throws {
        let podman = try await Podman.shared()
        try await podman.withBackend("notlisted") { project, container in
            let python = try Self.fakePython(project)
            let spec = Self.spec(podman, container: container, python: python)
            let (_, refused) = try await check(spec, config: OperatorConfig(containers: ["backend"]))
            #expect(refused.map(\.status) == [.unknown])
            #expect(refused.first?.message.contains("(not allowed by the operator config)") == true)
            #expect(refused.first?.observed?.contains("container \(container) is not listed under containers:") == true)
            #expect(!FileManager.default.fileExists(atPath: "\(project.path)/env-dump"))
            // Listed, the same spec runs (the marker proves this test can tell).
            _ = try await check(spec, config: OperatorConfig(containers: [container]))
            #expect(FileManager.default.fileExists(atPath: "\(project.path)/env-dump"))
        }
    }
}
