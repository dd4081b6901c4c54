import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DockerChecker

/// The checker against a real Docker-compatible engine: Podman's API service, with
/// containers made by the podman CLI the way an operator would make them.
@Suite("docker: against a real engine (Podman)")
struct IntegrationTests {
    /// Observes twice: as a run where another checker reads the observation (the list
    /// beside the inspects), and as one where none does (inspects by name, the list only
    /// when a name does not answer); both must find the same.
    func check(_ yaml: String, environment: [String: String] = [:]) async throws -> (DockerObservation, [Finding]) {
        let spec = try SpecText.decode(yaml)
        var context = dryRunContext(environment: environment)
        let checker = DockerChecker()
        let observation = try await checker.observe(spec, in: context)
        let findings = checker.compare(spec, with: observation)
        context.readers = []
        let byName = checker.compare(spec, with: try await checker.observe(spec, in: context))
        #expect(byName.map(\.withoutSuggestion) == findings.map(\.withoutSuggestion))
        return (observation, findings)
    }

    /// The findings about `web` on `observation` when a compose file of `project` is the
    /// desired state, naming it with the service settings `settings` (indented lines).
    func composeFindings(_ observation: DockerObservation, web: String, project: String, settings: String) throws -> [Finding] {
        var composed = observation
        let reference = ComposeReference(file: "deploy/compose.yaml", project: project)
        composed.compose = try ComposeLoader.derive(
            "services:\n  web:\n    container_name: \(web)\n    image: \(PodmanEngine.image)\n" + settings, reference: reference,
            values: [:])
        return DockerChecker().compare(DockerSpec(compose: reference), with: composed).about(web)
    }

    @Test func runningExitedAndNeverStartedContainersWithVolumeBindAndPort() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let engine = scene.engine
        let backend = scene.container("backend")
        let db = scene.container("db")
        let worker = scene.container("worker")
        let media = scene.volume("media_data")
        let port = try freeLoopbackPort()
        let staticDirectory = try TemporaryDirectory(prefix: "reconcile-static")
        try engine.podman(["volume", "create", media])
        try engine.run(
            backend,
            [
                "--restart", "unless-stopped", "-p", "127.0.0.1:\(port):8000", "-v", "\(media):/app/media",
                "-v", "\(staticDirectory.path):/app/static:ro", "-e", "DJANGO_SETTINGS_MODULE=rims.settings",
                "-e", "SECRET_KEY=integration-secret-value",
            ], command: ["httpd", "-f", "-p", "8000", "-h", "/www"])
        try engine.run(db, [], command: ["sh", "-c", "exit 2"])
        try engine.podman(["wait", db])
        try engine.create(worker)

        let (observation, findings) = try await check(
            """
            endpoint: \(engine.endpoint)
            containers:
              - name: \(backend)
                state: running
                image: reconcile-busybox:test
                restart_policy: unless-stopped
                ports: ["127.0.0.1:\(port):8000"]
                mounts:
                  - { volume: \(media), target: /app/media }
                  - { source: \(staticDirectory.path), target: /app/static, read_only: true }
                environment: [DJANGO_SETTINGS_MODULE, SECRET_KEY]
              - name: \(db)
                state: running
              - name: \(worker)
                state: running
            volumes: [\(media)]
            """)
        #expect(observation.problem == nil)
        #expect(observation.engine?.product == "Podman Engine")
        #expect(observation.engine?.negotiatedVersion == "1.41")

        let backendFinding = try #require(findings.about(backend).first)
        #expect(findings.about(backend).count == 1)
        #expect(backendFinding.status == .ok, "\(backendFinding)")

        let dbFinding = try #require(findings.about(db).first)
        #expect(dbFinding.status == .drift)
        #expect(dbFinding.observed == "exited (code 2)")
        #expect(dbFinding.fix?.snippet?.hasSuffix("docker start \(db)") == true)

        let workerFinding = try #require(findings.about(worker).first)
        #expect(workerFinding.status == .drift)
        #expect(workerFinding.observed == "created (never started)")
        #expect(workerFinding.fix?.snippet == "docker start \(worker)")

        // The volume's host directory is what the media chain will compare with Caddy's root.
        let volume = try #require(observation.volumes?.first { $0.name == media })
        let mountpoint = try engine.podman(["volume", "inspect", "--format", "{{.Mountpoint}}", media])
        #expect(volume.mountpoint == mountpoint)
        #expect(findings.about("volume \(media)").first?.status == .ok)

        // Environment names are observed, values never.
        let inspected = try #require(observation.inspected.values.first { $0.name == backend })
        #expect(inspected.environmentNames.contains("SECRET_KEY"))
        #expect(!String(decoding: try JSONEncoder().encode(observation), as: UTF8.self).contains("integration-secret-value"))
        // Only paired containers are inspected, even though the engine holds others' too.
        #expect(Set(observation.inspected.values.map(\.name)) == [backend, db, worker])
    }

    @Test func portMountImageAndRestartDriftOnARealContainer() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let web = scene.container("web")
        let data = scene.volume("data")
        let port = try freeLoopbackPort()
        try scene.engine.podman(["volume", "create", data])
        try scene.engine.run(
            web, ["--restart", "always", "-p", "\(port):80", "-v", "\(data):/data"],
            command: ["httpd", "-f", "-p", "80", "-h", "/www"])

        let (_, findings) = try await check(
            """
            endpoint: \(scene.engine.endpoint)
            containers:
              - name: \(web)
                state: running
                image: rims-backend:latest
                restart_policy: unless-stopped
                ports: ["127.0.0.1:\(port):80"]
                mounts:
                  - { volume: \(data), target: /data, read_only: true }
                  - { volume: media, target: /app/media }
            """)
        let about = findings.about(web)
        #expect(about.nonEmptyAllSatisfy { $0.status == .drift })
        #expect(about.count == 4, "\(about.map(\.message))")
        let ports = try #require(about.first { $0.message.contains("published") })
        #expect(ports.severity == .critical, "published on every interface instead of loopback")
        #expect(ports.message == "container port 80 is published on every interface as \(port):80, expected 127.0.0.1:\(port):80")
        #expect(about.contains { $0.message == "runs image localhost/reconcile-busybox:test, expected rims-backend:latest" })
        #expect(about.contains { $0.fix?.snippet == "docker update --restart=unless-stopped \(web)" })
        let mounts = try #require(about.first { $0.message.contains("mounted") })
        #expect(mounts.message.contains("at /data: mounted read-write, expected read-only"))
        #expect(mounts.message.contains("nothing is mounted at /app/media"))
    }

    /// `"P-Q:80"` (manifest or compose) is in sync with a container the engine published
    /// on any port of the range, and drift outside it; the configured range of a stopped
    /// container is the same range.
    @Test func aHostPortRangeIsInSyncWithAnyPortOfItOnARealContainer() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let web = scene.container("web")
        let port = try freeLoopbackPort()
        let labels = ["--label", "com.docker.compose.project=\(scene.prefix)", "--label", "com.docker.compose.service=web"]
        try scene.engine.run(web, labels + ["-p", "127.0.0.1:\(port):80"], command: ["httpd", "-f", "-p", "80", "-h", "/www"])
        let manifest = { (ports: String) in
            "endpoint: \(scene.engine.endpoint)\ncontainers:\n  - name: \(web)\n    ports: [\"\(ports)\"]\n"
        }
        let (observation, inRange) = try await check(manifest("127.0.0.1:\(port - 1)-\(port):80"))
        #expect(inRange.about(web).map(\.status) == [.ok], "\(inRange.map(\.message))")

        let (_, outside) = try await check(manifest("127.0.0.1:\(port + 1)-\(port + 2):80"))
        let drift = try #require(outside.about(web).first)
        #expect(drift.status == .drift)
        #expect(drift.message == "container port 80 is published as 127.0.0.1:\(port):80, expected 127.0.0.1:\(port + 1)-\(port + 2):80")

        // The same, written in a compose file's long form.
        let compose = try composeFindings(
            observation, web: web, project: scene.prefix,
            settings: "    ports:\n      - { target: 80, host_ip: 127.0.0.1, published: \"\(port)-\(port + 1)\" }\n")
        #expect(compose.map(\.status) == [.ok], "\(compose.map(\.message))")
    }

    /// A container on the host's network has no published ports (the engine discards
    /// them): ports the manifest wants are drift whose fix is not a recreate (it would keep
    /// the network), and the plan leaves it manual; a compose file saying `network_mode:
    /// host` and `ports:` expects none, so the same container is in sync with it.
    @Test func portsWantedOfAContainerOnTheHostsNetworkAreNeverARecreate() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let web = scene.container("web")
        let port = try freeLoopbackPort()
        let labels = ["--label", "com.docker.compose.project=\(scene.prefix)", "--label", "com.docker.compose.service=web"]
        try scene.engine.run(web, labels + ["--network", "host", "-p", "127.0.0.1:\(port):80"])
        let (observation, findings) = try await check(
            "endpoint: \(scene.engine.endpoint)\ncontainers:\n  - name: \(web)\n    ports: [\"127.0.0.1:\(port):80\"]\n")
        let ports = try #require(findings.about(web).first)
        #expect(ports.status == .drift)
        #expect(
            ports.message
                == "the container uses the host's network, where the engine discards published ports: 127.0.0.1:\(port):80 "
                + "cannot be published")
        #expect(ports.fix?.summary == DockerVerdict.hostNetworkFix && ports.fix?.snippet == nil)
        let spec = try SpecText.decode(
            "endpoint: \(scene.engine.endpoint)\ncontainers:\n  - name: \(web)\n    image: other:1\n    ports: [\"127.0.0.1:\(port):80\"]\n"
        )
        let judged = DockerChecker().compare(spec, with: observation)
        let remedies = DockerPlan.remedies(spec, observation, judged)
        let portsIndex = try #require(judged.firstIndex { $0.message.contains("host's network") })
        #expect(remedies[portsIndex] == .manual(DockerVerdict.hostNetworkFix))
        let imageIndex = try #require(judged.firstIndex { $0.expected == "other:1" })
        guard case .action(let recreate)? = remedies[imageIndex] else {
            Issue.record("the image is still recreated: \(String(describing: remedies[imageIndex]))")
            return
        }
        #expect(recreate.after == "a new container with the manifest's image", "\(String(describing: recreate.after))")

        let compose = try composeFindings(
            observation, web: web, project: scene.prefix,
            settings: "    network_mode: host\n    ports: [\"127.0.0.1:\(port):80\"]\n")
        #expect(compose.map(\.status) == [.ok], "\(compose.map(\.message))")
        #expect(compose.first?.message.contains("network_mode: host") == true, "\(compose.map(\.message))")
    }

    @Test func unhealthyContainerReportsItsFailingCheck() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let api = scene.container("api")
        try scene.engine.run(
            api, ["--health-cmd", "echo 'upstream 502 from gunicorn'; exit 1", "--health-interval", "1h", "--health-retries", "1"])
        _ = try? scene.engine.podman(["healthcheck", "run", api]) // exits 1: the check fails

        let (_, findings) = try await check("endpoint: \(scene.engine.endpoint)\ncontainers:\n  - name: \(api)\n    state: running\n")
        let finding = try #require(findings.about(api).first)
        #expect(finding.status == .drift)
        #expect(finding.expected == "healthy")
        #expect(finding.observed?.contains("upstream 502 from gunicorn") == true)
    }

    @Test func missingContainerAndVolumeAreDriftWithFixes() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let backend = scene.container("backend")
        try scene.engine.create(
            backend, ["--label", "com.docker.compose.project=\(scene.prefix)", "--label", "com.docker.compose.service=backend"])
        let missing = "\(scene.prefix)-nothing"
        let (_, findings) = try await check(
            """
            endpoint: \(scene.engine.endpoint)
            containers:
              - name: \(missing)
                image: rims-backend:latest
              - name: backend
                compose_project: \(scene.prefix)
            volumes: [\(scene.prefix)_absent]
            """)
        let container = try #require(findings.about(missing).first)
        #expect(container.status == .drift)
        #expect(container.observed == "no such container")
        #expect(container.fix?.snippet == "docker run -d --name \(missing) rims-backend:latest")
        let byLabel = try #require(findings.about("backend").first)
        #expect(byLabel.status == .ok, "paired by compose labels: \(byLabel)")
        let volume = try #require(findings.about("volume \(scene.prefix)_absent").first)
        #expect(volume.status == .drift)
        #expect(volume.fix?.snippet == "docker volume create \(scene.prefix)_absent")
    }

    @Test func absentSocketIsUnknownNeverOK() async throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-nosock")
        let socket = directory.file("docker.sock")
        let (observation, findings) = try await check(
            "containers:\n  - name: backend\n    state: running\nvolumes: [media_data]\n",
            environment: ["DOCKER_HOST": "unix://\(socket)"])
        #expect(observation.endpoint == "unix://\(socket)", "DOCKER_HOST is used when the manifest names no endpoint")
        #expect(observation.problem?.kind == .noSocket)
        #expect(findings.count == 2)
        #expect(findings.nonEmptyAllSatisfy { $0.status == .unknown })
        #expect(findings[0].message.contains("no Docker socket at \(socket)"))
        #expect(findings[0].fix?.summary.contains("DOCKER_HOST") == true)
    }

    @Test func staleSocketFileIsConnectionRefused() async throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-stale")
        let path = directory.file("docker.sock")
        try bindUnixSocketWithoutListening(path)
        let (observation, findings) = try await check("endpoint: unix://\(path)\ncontainers:\n  - name: backend\n")
        #expect(observation.problem?.kind == .connectionRefused, "\(String(describing: observation.problem))")
        #expect(findings.first?.status == .unknown)
        #expect(findings.first?.fix?.summary.contains("nothing listens") == true)
    }

    @Test func nonDockerServiceOnTheSocketIsUnknown() async throws {
        let server = try FixtureHTTPServer(unixSocket: true)
        defer { server.stop() }
        let socket = try #require(server.socketPath)
        let (observation, findings) = try await check("endpoint: unix://\(socket)\ncontainers:\n  - name: backend\n")
        #expect(observation.problem?.kind == .notDocker, "\(String(describing: observation.problem))")
        #expect(findings.first?.status == .unknown)
        #expect(findings.first?.message.contains("not the Docker Engine API") == true)
    }

    @Test func tcpEndpointWorksToo() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let port = try freeLoopbackPort()
        let service = try ManagedProcess(
            "podman",
            PodmanEngine.storeArguments(scene.engine.directory) + ["system", "service", "--time=0", "tcp://127.0.0.1:\(port)"])
        defer { service.stop() }
        try waitUntil("podman on tcp port \(port)") { isListening(port: port) || !service.process.isRunning }
        let db = scene.container("db")
        try scene.engine.create(db)
        let (observation, findings) = try await check(
            "endpoint: tcp://127.0.0.1:\(port)\ncontainers:\n  - name: \(db)\n    state: created\n")
        #expect(observation.problem == nil, "\(String(describing: observation.problem))")
        #expect(findings.about(db).first?.status == .ok)
    }

    /// The socket is there but this user may not use it (not in the docker group). As
    /// root (these machines), the built CLI runs as `nobody` through setpriv; root
    /// itself passes every permission check.
    @Test func permissionDeniedSocketIsUnknownWithTheGroupHint() throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-denied")
        chmod(directory.path, 0o755)
        let socketPath = directory.file("docker.sock")
        try bindUnixSocketWithoutListening(socketPath)
        chmod(socketPath, 0o600)
        guard getuid() == 0 else {
            chmod(socketPath, 0o000)
            let problem = DockerEngineClient.socketProblem(try HTTPEndpoint(parsing: "unix://\(socketPath)"))
            #expect(problem?.kind == .permissionDenied)
            return
        }
        let binary = try builtReconcile()
        let repository = try ScratchRepository(files: [
            "manifests/prod.yaml": """
            apiVersion: reconcile/v1
            kind: Environment
            docker:
              endpoint: unix://\(socketPath)
              containers: [{ name: backend, state: running }]
            """
        ])
        // nobody must be able to read the repository; libgit2 wants it marked safe.
        try runChecked("chmod", ["-R", "a+rX", repository.path])
        try directory.write("home/.gitconfig", "[safe]\n\tdirectory = \(repository.path)\n")
        try runChecked("chmod", ["-R", "a+rX", directory.file("home")])
        let result = try run(
            "setpriv",
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=\(directory.file("home"))",
                "XDG_CACHE_HOME=\(directory.file("home"))", binary, "--repo", repository.path, "--dry-run", "--format", "json",
            ])
        #expect(result.status == 3, "\(result.stdout) \(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let finding = (report?["findings"] as? [[String: Any]])?.first
        #expect(finding?["status"] as? String == "unknown")
        #expect((finding?["message"] as? String)?.contains("permission denied on the Docker socket \(socketPath)") == true)
        #expect(((finding?["fix"] as? [String: Any])?["summary"] as? String)?.contains("usermod -aG docker") == true)
    }
}
