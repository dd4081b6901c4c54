import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DockerChecker

/// A compose file kept in the config repository as desired state.
@Suite("docker: compose file as desired state")
struct ComposeTests {
    static let compose = """
        x-defaults: &defaults
          restart: unless-stopped
          environment:
            TZ: UTC

        services:
          backend:
            <<: *defaults
            image: rims-backend:${TAG:-latest}
            ports:
              - "127.0.0.1:8000:8000"
              - target: 9000
                published: 9000
                host_ip: 127.0.0.1
                protocol: udp
            volumes:
              - media_data:/app/media
              - ./static:/app/static:ro
              - /srv/rims/logs:/app/logs
              - type: volume
                source: shared
                target: /shared
                read_only: true
              - /cache
            environment:
              DJANGO_SETTINGS_MODULE: rims_backend.settings
              SECRET_KEY: ${SECRET_KEY}
              UNSET_HERE:
            healthcheck:
              test: ["CMD", "curl", "-f", "http://localhost:8000/api/health/"]
          db:
            image: postgres:16
            container_name: rims-db
            restart: "no"
            volumes:
              - type: bind
                source: ./pg
                target: /var/lib/postgresql/data
            environment:
              - POSTGRES_DB=rims
              - POSTGRES_PASSWORD
            healthcheck:
              disable: true
          worker:
            build: ./backend
            command: celery worker
            env_file: .env
            ports: ["${WORKER_PORT}:5555"]
          debug:
            image: busybox
            profiles: [debug]
          idle:
            image: busybox
            deploy:
              replicas: 0

        volumes:
          media_data:
          shared:
            name: rims_shared_files
          pg_external:
            external: true
          legacy:
            external:
              name: old_volume
        """

    func derive(
        _ text: String = compose, reference: ComposeReference = ComposeReference(file: "deploy/compose.yaml", project: "rims"),
        values: [String: String] = [:]
    ) throws -> ComposeObservation {
        try ComposeLoader.derive(text, reference: reference, values: values)
    }

    /// What `spec` finds on the captured Podman scene when `compose` is its compose file's state.
    func judged(_ spec: DockerSpec, compose: ComposeObservation) throws -> [Finding] {
        var scene = try EngineFixtures.podmanScene()
        scene.compose = compose
        return DockerChecker().compare(spec, with: scene)
    }

    @Test func servicesBecomeExpectedContainers() throws {
        let observed = try derive()
        #expect(observed.problem == nil)
        #expect(observed.project == "rims")
        #expect(observed.containers.map(\.name) == ["rims-backend-1", "rims-db", "rims-worker-1"], "profiles and 0 replicas are skipped")
        let backend = observed.containers[0]
        #expect(backend.composeProject == "rims" && backend.composeService == "backend")
        #expect(backend.state == .running)
        #expect(backend.image == "rims-backend:latest", "${TAG:-latest}")
        #expect(backend.restartPolicy == RestartPolicy(.unlessStopped), "merged from x-defaults")
        #expect(backend.ports?.map(\.description) == ["127.0.0.1:8000:8000", "127.0.0.1:9000:9000/udp"])
        #expect(
            backend.mounts?.map(\.description) == [
                "rims_media_data:/app/media", "./static:/app/static:ro", "/srv/rims/logs:/app/logs",
                "rims_shared_files:/shared:ro", "/cache",
            ])
        #expect(
            backend.environment == ["DJANGO_SETTINGS_MODULE", "SECRET_KEY"],
            "names with a value; YAML merges are shallow, so the service's environment replaces the defaults'")
        #expect(backend.expectsHealthcheck)
        #expect(backend.notes == [], "relative bind sources resolve against the container's compose working_dir label")
        #expect(backend.position.file == "deploy/compose.yaml")
        #expect(backend.position.line == 8, "the service's first key")
        #expect(backend.position(of: "image").line == 9)
    }

    @Test func explicitNamesRestartNoAndDisabledHealthchecks() throws {
        let db = try derive().containers[1]
        #expect(db.name == "rims-db")
        #expect(db.restartPolicy == RestartPolicy(.no))
        #expect(!db.expectsHealthcheck)
        #expect(db.environment == ["POSTGRES_DB"], "POSTGRES_PASSWORD comes from the deploying shell")
        #expect(db.mounts == [MountSpec(source: .bind(nil), target: "/var/lib/postgresql/data", relativeSource: "./pg")])
    }

    @Test func builtImagesAndUnsetVariablesAreNotComparedAndSaySo() throws {
        let worker = try derive().containers[2]
        #expect(worker.image == nil)
        #expect(worker.ports == nil)
        #expect(worker.notes == ["image (built from build:)", "ports (a variable is not set)", "variables from env_file"])
        let set = try derive(values: ["WORKER_PORT": "5555", "TAG": "2.1"])
        #expect(set.containers[2].ports?.map(\.description) == ["5555:5555"])
        #expect(set.containers[0].image == "rims-backend:2.1")
    }

    @Test func projectDirectoryResolvesRelativeBinds() throws {
        let observed = try derive(
            reference: ComposeReference(file: "deploy/compose.yaml", project: "rims", projectDirectory: "/srv/rims"))
        #expect(observed.containers[0].mounts?[1].source == .bind("/srv/rims/static"))
        #expect(observed.containers[1].mounts?[0].source == .bind("/srv/rims/pg"))
        #expect(observed.containers[0].notes.isEmpty)
    }

    @Test func namedVolumesGetTheirEngineNames() throws {
        #expect(try derive().volumes.map(\.name) == ["rims_media_data", "rims_shared_files", "pg_external", "old_volume"])
    }

    @Test func projectNameComesFromTheManifestTheFileOrItsDirectory() throws {
        let named = "name: My_Stack\nservices:\n  web:\n    image: nginx\n"
        #expect(try derive(named, reference: ComposeReference(file: "compose.yaml")).project == "my_stack")
        #expect(try derive(named, reference: ComposeReference(file: "compose.yaml", project: "prod")).project == "prod")
        let unnamed = "services:\n  web:\n    image: nginx\n"
        #expect(try derive(unnamed, reference: ComposeReference(file: "stacks/RIMS.prod/compose.yaml")).project == "rimsprod")
        #expect(throws: ManifestError.self) { try derive(unnamed, reference: ComposeReference(file: "compose.yaml")) }
    }

    @Test func interpolation() throws {
        let values = Interpolation(values: ["A": "1", "EMPTY": ""])
        #expect(try values.interpolate("$$A ${A} $A ${B:-x${A}} ${EMPTY:-d} ${EMPTY-d} ${A:+set} ${B+set}").value == "$A 1 1 x1 d  set ")
        #expect(try values.interpolate("${B}-${C}").unresolved == ["B", "C"])
        #expect(throws: Interpolation.InterpolationError.self) { try values.interpolate("${B:?must be set}") }
        #expect(throws: Interpolation.InterpolationError.self) { try values.interpolate("${A") }
    }

    @Test func envFileLines() {
        let parsed = ComposeLoader.parseEnvFile("# c\nTAG=1.2\nexport NAME=\"rims\"\n\nQUOTED='a b'\nbad line\n")
        #expect(parsed.map { "\($0.0)=\($0.1)" } == ["TAG=1.2", "NAME=rims", "QUOTED=a b"])
    }

    @Test(arguments: [
        ("services: []\n", 1, "needs a services: mapping"),
        ("services:\n  web:\n    ports: [\"99999:80\"]\n", 3, "invalid port '99999'"),
        ("services:\n  web:\n    restart: sometimes\n", 3, "is not a restart policy"),
        ("services:\n  web:\n    volumes: [\"a:b:c:d\"]\n", 3, "is not a volume entry"),
        ("services:\n  web:\n    volumes: [\"data:relative\"]\n", 3, "must be an absolute path"),
        ("services:\n  web:\n    image: \"${TAG:?set TAG}\"\n", 3, "required variable TAG is not set: set TAG"),
        ("services:\n  web: [1]\n", 2, "a service is a mapping"),
        ("services:\n  web:\n    image: [\n", 4, "invalid YAML"),
        (
            "services:\n  web:\n    image: a\n    ports: []\n    image: b\n", 5,
            "services.web.image: duplicate key 'image' (first at line 3)"
        ),
    ])
    func problemsNameTheLine(text: String, line: Int, message: String) throws {
        let source = StubSource(files: ["compose.yaml": text])
        let observed = ComposeLoader.load(ComposeReference(file: "compose.yaml", project: "p"), source: source, environment: [:])
        let problem = try #require(observed.problem)
        #expect(problem.hasPrefix("compose.yaml:\(line):"), "\(problem)")
        #expect(problem.contains(message), "\(problem)")
    }

    @Test func envFileBesideTheComposeFileAndTheEnvironmentFeedInterpolation() throws {
        let source = StubSource(files: [
            "deploy/compose.yaml": "services:\n  web:\n    image: \"nginx:${TAG}\"\n    container_name: ${NAME}\n",
            "deploy/.env": "TAG=1.27\nNAME=from-env-file\n",
        ])
        let reference = ComposeReference(file: "deploy/compose.yaml", project: "p")
        let observed = ComposeLoader.load(reference, source: source, environment: ["NAME": "from-shell"])
        #expect(observed.containers.first?.image == "nginx:1.27")
        #expect(observed.containers.first?.name == "from-shell", "the shell wins over .env, as in compose")
    }

    /// `include:` (compose 2.20) brings another file's services into the project, as a
    /// Django stack keeping its Caddy in compose-caddy.yaml does: `docker compose up -d`
    /// starts them, so they are expected, and their relative paths are the included file's.
    @Test func includedFilesServicesAndVolumesAreExpectedInTheSameProject() throws {
        let source = StubSource(files: [
            "deploy/compose.yaml": """
            include:
              - proxy/compose-caddy.yaml
              - path: [db.yaml]
            services:
              django:
                image: rims-backend:1
            """,
            "deploy/proxy/compose-caddy.yaml": """
            services:
              caddy:
                image: caddy:2
                volumes: ["./Caddyfile:/etc/caddy/Caddyfile:ro", "caddy_data:/data"]
            volumes:
              caddy_data: {}
            """,
            "deploy/db.yaml": "services:\n  db:\n    image: postgres:16\n",
        ])
        let reference = ComposeReference(file: "deploy/compose.yaml", project: "rims")
        let observed = ComposeLoader.load(reference, source: source, environment: [:])
        #expect(observed.problem == nil, "\(observed.problem ?? "")")
        #expect(observed.containers.map(\.name) == ["rims-django-1", "rims-caddy-1", "rims-db-1"])
        #expect(observed.volumes.map(\.name) == ["rims_caddy_data"])
        let caddy = try #require(observed.containers.first { $0.composeService == "caddy" })
        #expect(caddy.image == "caddy:2" && caddy.mounts?.first?.relativeSource == "proxy/./Caddyfile")
        var placed = reference
        placed.projectDirectory = "/srv/rims"
        let resolved = ComposeLoader.load(placed, source: source, environment: [:])
        #expect(resolved.containers[1].mounts?.first?.source == .bind("/srv/rims/proxy/Caddyfile"))

        let missing = StubSource(files: ["deploy/compose.yaml": "include: [../../outside.yaml]\nservices: {}\n"])
        #expect(ComposeLoader.load(reference, source: missing, environment: [:]).problem?.contains("deploy/compose.yaml:1:") == true)
    }

    /// `published: "8080-8081"` (long form) and `"8080-8081:80"` (short form) are what
    /// Compose accepts for one target: one binding the engine publishes on a port of the range.
    @Test func aPublishedHostRangeForOneTargetIsOneBinding() throws {
        let observed = try derive(
            """
            services:
              web:
                image: caddy:2
                ports:
                  - "8080-8081:80"
                  - target: 443
                    published: "8443-8444"
                    host_ip: 127.0.0.1
            """)
        #expect(observed.problem == nil)
        #expect(observed.containers.first?.ports?.map(\.description) == ["8080-8081:80", "127.0.0.1:8443-8444:443"])
    }

    /// `validate` (and a run's refusals) read what an `include:` brings in, as compose
    /// does: a problem inside an included file is at that file's line and column, and a
    /// service may depend on a service of an included file.
    @Test func whatComposeRefusesInAnIncludedFileIsFoundAtItsOwnLine() throws {
        let text = "include: [proxy/caddy.yaml]\nservices:\n  web:\n    image: a\n    depends_on: [caddy]\n"
        let reference = ComposeReference(file: "deploy/compose.yaml", project: "rims")
        let refused = ComposeLint.problems(
            text, reference: reference,
            source: StubSource(files: [
                "deploy/proxy/caddy.yaml": "services:\n  caddy:\n    image: caddy:2\n    volumes: [\"data:/data\", \"./x:/data\"]\n"
            ]))
        #expect(refused.map(\.rule.id) == ["compose-undeclared-volume", "compose-duplicate-target"])
        #expect(refused.map(\.position.description) == ["deploy/proxy/caddy.yaml:4:15", "deploy/proxy/caddy.yaml:4:29"])

        let broken = ComposeLint.problems(
            text, reference: reference,
            source: StubSource(files: ["deploy/proxy/caddy.yaml": "services:\n  caddy:\n    ports: \"443:443\"\n"]))
        #expect(broken.map(\.rule.id) == ["compose-invalid"])
        #expect(broken.first?.position.description == "deploy/proxy/caddy.yaml:3:12")
        #expect(broken.first?.message == "expected a list, found string '443:443'")
    }

    /// Compose accepts `ports:` beside `network_mode: host` and the engine discards them
    /// ("Published ports are discarded when using host network mode"): they are not
    /// expected (no false drift, no fix that cannot work), the finding says why, and
    /// `validate` warns at the `ports:` key.
    @Test func portsBesideHostNetworkingAreNotExpectedAndValidateWarnsAtTheKey() throws {
        let text = "services:\n  web:\n    image: caddy:2\n    network_mode: host\n    ports: [\"80:80\", \"443:443\"]\n"
        let web = try #require(try derive(text).containers.first)
        #expect(web.ports == nil)
        #expect(web.notes == ["ports (network_mode: host: the engine discards published ports)"])
        let reference = ComposeReference(file: "deploy/compose.yaml", project: "rims")
        let warned = ComposeLint.problems(text, reference: reference)
        #expect(warned.map(\.rule.id) == ["compose-host-network-ports"])
        #expect(warned.first?.rule.severity == .warning)
        #expect(warned.first?.position.description == "deploy/compose.yaml:5:5")
        #expect(warned.first?.related.first?.position.line == 4)
        let loaded = ComposeLoader.load(reference, source: StubSource(files: ["deploy/compose.yaml": text]), environment: [:])
        #expect(loaded.refusals.isEmpty, "compose does not refuse it: a run has nothing to call drift")
        let bridged = try derive(text.replacingOccurrences(of: "network_mode: host", with: "network_mode: bridge"))
        #expect(bridged.containers.first?.ports?.count == 2)
    }

    @Test func missingFileIsAProblemNotAnEmptyStack() throws {
        let observed = ComposeLoader.load(
            ComposeReference(file: "deploy/compose.yaml"), source: StubSource(files: [:]), environment: [:])
        #expect(observed.problem?.contains("cannot read deploy/compose.yaml") == true)
        let spec = DockerSpec(compose: ComposeReference(file: "deploy/compose.yaml"))
        let findings = DockerChecker().compare(spec, with: DockerObservation(endpoint: "unix:///x", compose: observed))
        #expect(findings.first?.status == .unknown)
        #expect(findings.first?.resource == "deploy/compose.yaml")
    }

    @Test func composeContainersAreComparedLikeManifestOnes() throws {
        // The captured Podman scene: backend (rims/backend labels) and db (rims/db, exited).
        let text = """
            services:
              backend:
                image: localhost/reconcile-busybox:test
                restart: unless-stopped
                ports: ["127.0.0.1:18000:8000"]
                volumes: [media_data:/app/media]
                environment: [DJANGO_SETTINGS_MODULE=x, MISSING_ONE=y]
              db:
                image: postgres:16
            volumes:
              media_data:
                name: media_data
            """
        let compose = try derive(text)
        let spec = DockerSpec(compose: ComposeReference(file: "deploy/compose.yaml", project: "rims"))
        let findings = try judged(spec, compose: compose)
        let backend = findings.about("rims-backend-1")
        #expect(backend.count == 1, "\(backend.map(\.message))")
        #expect(backend.first?.observed == "not set: MISSING_ONE")
        #expect(backend.first?.position?.file == "deploy/compose.yaml")
        // The file already says MISSING_ONE: the fix recreates from it, it does not ask to set it.
        #expect(backend.first?.fix?.snippet == "docker compose -p rims up -d backend")
        #expect(backend.first?.fix?.summary.hasPrefix("The compose file already says this") == true)
        let db = findings.about("rims-db-1")
        #expect(db.contains { $0.observed == "exited (code 1)" && $0.fix?.snippet?.hasSuffix("docker start db") == true })
        #expect(db.contains { $0.expected == "postgres:16" && $0.fix?.snippet == "docker compose -p rims up -d db" })
        #expect(findings.about("volume media_data").first?.status == .ok)
    }

    @Test func theManifestEntryWinsOverTheComposeService() throws {
        let compose = try derive("services:\n  db:\n    image: postgres:16\n    container_name: db\n")
        let spec = try SpecText.decode(
            "compose: { file: deploy/compose.yaml, project: rims }\ncontainers:\n  - { name: db, state: exited }\n")
        let findings = try judged(spec, compose: compose)
        #expect(findings.map(\.status) == [.ok], "one finding, from the manifest's entry: \(findings)")
    }

    // MARK: What the file already says, profiles, and what compose refuses

    @Test(
        "a manifest value the compose file already holds is recreated from the file, a different one is set in it",
        arguments: [
            ("postgres:16", "docker compose -p rims up -d backend", "shell"),
            ("postgres:15", "services:\n  backend:\n    image: postgres:16", "yaml"),
        ])
    func theFixSaysSetThisOnlyWhenTheFileSaysOtherwise(_ inFile: String, _ snippet: String, _ language: String) throws {
        let compose = try derive("services:\n  backend:\n    image: \(inFile)\n")
        let spec = try SpecText.decode(
            "compose: { file: deploy/compose.yaml, project: rims }\n"
                + "containers:\n  - { name: backend, compose_project: rims, image: \"postgres:16\" }\n")
        let findings = try judged(spec, compose: compose)
        let image = try #require(findings.first { $0.expected == "postgres:16" }, "\(findings.map(\.message))")
        #expect(image.fix?.snippet == snippet)
        #expect(image.fix?.language == language)
    }

    @Test func activeProfilesEnableTheirServicesAndOthersAreNotExpected() throws {
        let text = """
            services:
              web: { image: nginx }
              worker: { image: busybox, profiles: [prod, staging] }
              debug: { image: busybox, profiles: [debug] }
            """
        let none = try derive(text)
        #expect(none.containers.map(\.name) == ["rims-web-1"])
        let prod = try derive(text, reference: ComposeReference(file: "deploy/compose.yaml", project: "rims", profiles: ["prod"]))
        #expect(prod.containers.map(\.name) == ["rims-web-1", "rims-worker-1"])
    }

    @Test func profilesDecideWhichDependenciesComposeRefusesAndAnUnusedActiveProfileIsNamed() throws {
        let text = """
            services:
              web: { image: nginx, depends_on: [worker] }
              worker: { image: busybox, profiles: [prod] }
            """
        let file = "deploy/compose.yaml"
        let inactive = ComposeLint.problems(text, reference: ComposeReference(file: file, project: "rims"))
        #expect(inactive.map(\.rule.id) == ["compose-unknown-profile"])
        #expect(inactive.first?.message.contains("none of them active") == true)
        #expect(ComposeLint.problems(text, reference: ComposeReference(file: file, project: "rims", profiles: ["prod"])).isEmpty)
        let typo = ComposeLint.problems(text, reference: ComposeReference(file: file, project: "rims", profiles: ["prod", "prdo"]))
        #expect(typo.map(\.message) == ["docker.compose.profiles activates prdo, but no service of deploy/compose.yaml has that profile"])
    }

    @Test func whatComposeRefusesIsAFindingInARunAtTheComposeFilesLine() throws {
        let text = """
            services:
              backend:
                image: localhost/reconcile-busybox:test
                volumes: [media_data:/app/media, uploads:/app/media]
            """
        let reference = ComposeReference(file: "deploy/compose.yaml", project: "rims")
        let compose = ComposeLoader.load(reference, source: StubSource(files: ["deploy/compose.yaml": text]), environment: [:])
        #expect(compose.refusals.map(\.rule) == ["compose-undeclared-volume", "compose-undeclared-volume", "compose-duplicate-target"])
        let refused = try judged(DockerSpec(compose: reference), compose: compose).about("deploy/compose.yaml")
        #expect(refused.count == 3)
        #expect(refused.allSatisfy { $0.status == .drift && $0.position?.file == "deploy/compose.yaml" && $0.position?.line == 4 })
        #expect(
            refused.first?.message
                == "docker compose would refuse deploy/compose.yaml: named volume media_data is not declared under the file's "
                + "top-level volumes: (compose refuses it) [compose-undeclared-volume]")
    }

    @Test func aRelativeBindSourceResolvesAgainstTheComposeWorkingDirectoryTheEngineRecorded() throws {
        let compose = try derive("services:\n  backend:\n    image: x\n    volumes: [\"./media:/app/media\"]\n")
        let spec = try #require(compose.containers.first)
        let live = ContainerObservation(
            id: "c1", name: "rims-backend-1", state: "running", image: "x",
            mounts: [MountObservation(type: "bind", name: nil, source: "/srv/rims/media", target: "/app/media", readOnly: false)],
            composeProject: "rims", composeService: "backend", composeWorkingDir: "/srv/rims")
        let scene = EngineFixtures.adding(live, to: DockerObservation(endpoint: "unix:///x", volumes: []))
        let inSync = DockerVerdict.judge(spec, scene)
        #expect(inSync.map(\.status) == [.ok], "\(inSync.map(\.message))")
        #expect(inSync.first?.message == "running, as desired")
        var elsewhere = live
        elsewhere.composeWorkingDir = "/opt/rims"
        let drift = DockerVerdict.judge(spec, EngineFixtures.adding(elsewhere, to: scene))
        #expect(drift.first?.message == "at /app/media: bind of /srv/rims/media, expected /opt/rims/media")
        #expect(drift.first?.fix?.snippet == "docker compose -p rims up -d backend")
        var unlabelled = live
        unlabelled.composeWorkingDir = nil
        let unknown = DockerVerdict.judge(spec, EngineFixtures.adding(unlabelled, to: scene))
        #expect(unknown.first?.status == .ok)
        #expect(unknown.first?.message.contains("not compared: relative bind sources") == true)
    }
}
