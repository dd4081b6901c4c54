import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DockerChecker

/// The pure comparison, on the scene captured from Podman (and documented Docker
/// shapes): every kind of divergence, with its fix, and `ok` when in sync.
@Suite("docker: comparison and fixes")
struct VerdictTests {
    let checker = DockerChecker()

    func findings(_ yaml: String, _ observation: DockerObservation? = nil) throws -> [Finding] {
        checker.compare(try SpecText.decode(yaml), with: try observation ?? EngineFixtures.podmanScene())
    }

    @Test func environmentValuesThatDifferAreDriftAndASecretsValueIsNeverShown() throws {
        var scene = try EngineFixtures.podmanScene()
        let id = try #require(scene.containers.first { $0.name == "backend" }?.id)
        scene.inspected[id]?.environmentNames += ["DJANGO_DEBUG", "DJANGO_SECRET_KEY"]
        scene.inspected[id]?.environmentValues = ["DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY": "live-secret-1"]
        let result = try findings(
            """
            containers:
              - name: backend
                environment: { DJANGO_DEBUG: "0", DJANGO_SECRET_KEY: wanted-secret-2, NOT_SET: x }
            """, scene)
        let finding = try #require(result.about("backend").first)
        #expect(finding.status == .drift)
        #expect(finding.expected == #"DJANGO_DEBUG="0", DJANGO_SECRET_KEY=***, NOT_SET="x""#)
        #expect(finding.observed == #"not set: NOT_SET; DJANGO_DEBUG="1"; DJANGO_SECRET_KEY=***"#)
        #expect(finding.message.contains(#"DJANGO_DEBUG is "1", expected "0""#), "\(finding.message)")
        #expect(finding.message.contains("DJANGO_SECRET_KEY differs from the manifest's value (not shown"))
        #expect(finding.fix?.snippet?.contains("DJANGO_SECRET_KEY: ${DJANGO_SECRET_KEY}") == true, "\(finding)")
        #expect(!"\(result)".contains("live-secret-1") && !"\(result)".contains("wanted-secret-2"))

        let same = try findings(
            "containers:\n  - name: backend\n    environment: { DJANGO_DEBUG: \"1\", DJANGO_SECRET_KEY: live-secret-1 }\n", scene)
        #expect(same.about("backend").map(\.status) == [.ok], "\(same)")
    }

    @Test func aSecretShapedValueIsNeverShownWhateverTheVariablesName() throws {
        // A private key and a GitHub token under names the list does not know, plus the
        // names the list learned (DB_PWD, SIGNING_SALT): compared, never shown.
        let key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
        let token = "ghp_R3c0nc1leT3stT0kenN0tRealAbCdEf123456"
        var scene = try EngineFixtures.podmanScene()
        let id = try #require(scene.containers.first { $0.name == "backend" }?.id)
        scene.inspected[id]?.environmentNames += ["TLS_BUNDLE", "HOOK", "DB_PWD", "SIGNING_SALT"]
        scene.inspected[id]?.environmentValues = [
            "TLS_BUNDLE": key, "HOOK": token, "DB_PWD": "live-pwd-1", "SIGNING_SALT": "live-salt-1",
        ]
        let result = try findings(
            """
            containers:
              - name: backend
                environment: { TLS_BUNDLE: x, HOOK: y, DB_PWD: wanted-pwd-2, SIGNING_SALT: wanted-salt-2 }
            """, scene)
        let finding = try #require(result.about("backend").first)
        #expect(finding.status == .drift)
        #expect(finding.observed == "TLS_BUNDLE=***; HOOK=***; DB_PWD=***; SIGNING_SALT=***", "\(finding)")
        #expect(finding.message.contains("TLS_BUNDLE differs from the manifest's value (not shown"), "\(finding.message)")
        let escaped = key.replacingOccurrences(of: "\n", with: "\\n")
        let spec = try SpecText.decode("containers:\n  - name: backend\n    environment: { TLS_BUNDLE: \"\(escaped)\" }\n")
        let shown = "\(result)" + DockerChecker.environmentField(try #require(spec.containers.first))
        for secret in ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", token, "live-pwd-1", "wanted-pwd-2", "live-salt-1", "wanted-salt-2"] {
            #expect(!shown.contains(secret), "showed \(secret)")
        }
    }

    @Test func inSyncContainerIsOneOKFinding() throws {
        let result = try findings(
            """
            containers:
              - name: backend
                state: running
                image: reconcile-busybox:test
                restart_policy: unless-stopped
                ports: ["127.0.0.1:18000:8000"]
                mounts:
                  - { volume: media_data, target: /app/media }
                  - { source: /tmp/IGNORED, target: /app/static, read_only: true }
                environment: [DJANGO_SETTINGS_MODULE]
                compose_project: rims
            volumes: [media_data]
            """.replacingOccurrences(of: "/tmp/IGNORED", with: try bindSource()))
        #expect(result.count == 2, "\(result)")
        let backend = try #require(result.about("backend").first)
        #expect(backend.status == .ok, "\(backend)")
        #expect(backend.observed == "running, healthy")
        #expect(result.about("volume media_data").first?.status == .ok)
        #expect(result.about("volume media_data").first?.observed?.contains("/volumes/media_data/_data") == true)
    }

    /// The bind source recorded in the capture (a temp dir of the capture run).
    func bindSource() throws -> String {
        let backend = try EngineFixtures.inspect("\(EngineFixtures.podman)/inspect-backend.json")
        return try #require(backend.mounts.first { $0.type == "bind" }).source
    }

    @Test func onlyTheFieldsGivenAreCompared() throws {
        let result = try findings("containers:\n  - name: db\n  - name: worker\n")
        #expect(result.map(\.status) == [.ok, .ok], "existence only: exited and created are fine")
    }

    @Test func exitedContainerIsStartedWithDockerStart() throws {
        let finding = try #require(try findings("containers:\n  - name: db\n    state: running\n").first)
        #expect(finding.status == .drift)
        #expect(finding.severity == .critical)
        #expect(finding.expected == "running")
        #expect(finding.observed == "exited (code 1)")
        #expect(finding.fix?.snippet?.contains("docker start db") == true)
        #expect(finding.fix?.snippet?.contains("docker logs --tail 50 db") == true)
        #expect(finding.fix?.summary.contains("exited with code 1") == true)
        #expect(finding.position?.line == 3, "points at the state: line")
    }

    @Test func neverStartedContainerIsStarted() throws {
        let finding = try #require(try findings("containers:\n  - name: worker\n    state: running\n").first)
        #expect(finding.status == .drift)
        #expect(finding.observed == "created (never started)")
        #expect(finding.fix?.snippet == "docker start worker")
        #expect(finding.fix?.summary.contains("non-destructive") == true)
    }

    @Test func runningContainerThatShouldBeStoppedSaysItInterrupts() throws {
        let finding = try #require(try findings("containers:\n  - name: web\n    state: exited\n").first)
        #expect(finding.status == .drift)
        #expect(finding.fix?.snippet == "docker stop web")
        #expect(finding.fix?.summary.contains("interrupts") == true)
    }

    @Test func unhealthyContainerShowsTheFailingCheckOutput() throws {
        let result = try findings("containers:\n  - name: cache\n    state: running\n")
        #expect(result.count == 1)
        let finding = try #require(result.first)
        #expect(finding.status == .drift)
        #expect(finding.expected == "healthy")
        #expect(finding.observed?.contains("cache not ready: connection refused") == true)
        #expect(finding.message.contains("exit 1"))
        #expect(finding.fix?.snippet?.contains("docker inspect --format '{{json .State.Health}}' cache") == true)
    }

    @Test func unhealthyIsDriftEvenWithoutAState() throws {
        let finding = try #require(try findings("containers:\n  - name: cache\n").first)
        #expect(finding.status == .drift)
    }

    @Test func missingContainerSuggestsComposeUpAndTheClosestName() throws {
        let result = try findings(
            """
            containers:
              - name: bakend
                compose_project: rims
            """)
        let finding = try #require(result.first)
        #expect(finding.status == .drift)
        #expect(finding.severity == .critical)
        #expect(finding.observed == "no such container")
        #expect(finding.message.contains("did you mean 'backend'?"))
        #expect(finding.fix?.snippet == "docker compose -p rims up -d bakend")
    }

    @Test func missingContainerWithoutComposeGetsADockerRunLine() throws {
        let finding = try #require(
            try findings(
                """
                containers:
                  - name: api
                    image: rims-backend:latest
                    restart_policy: unless-stopped
                    ports: ["127.0.0.1:8000:8000"]
                    mounts: [{ volume: media_data, target: /app/media }]
                """
            ).first)
        #expect(
            finding.fix?.snippet
                == "docker run -d --name api --restart unless-stopped -p 127.0.0.1:8000:8000 -v media_data:/app/media rims-backend:latest")
        #expect(finding.fix?.language == "shell")
    }

    @Test func composeServiceLabelPairsWhenTheNameDiffers() throws {
        var scene = try EngineFixtures.podmanScene()
        let index = try #require(scene.containers.firstIndex { $0.name == "db" })
        scene.containers[index].name = "rims-db-1"
        scene.inspected[scene.containers[index].id]?.name = "rims-db-1"
        let result = try findings("containers:\n  - name: db\n    compose_project: rims\n    state: exited\n", scene)
        #expect(result.first?.status == .ok, "\(result)")
        #expect(result.first?.message.contains("as rims-db-1") == true)
        let withoutProject = try findings("containers:\n  - name: db\n", scene)
        #expect(withoutProject.first?.status == .drift, "without compose_project only the exact name pairs")
        #expect(withoutProject.first?.message.contains("did you mean 'rims-db-1'?") == true)
    }

    @Test func wrongImageNeedsARecreateAndSaysItIsDestructive() throws {
        let finding = try #require(try findings("containers:\n  - name: web\n    image: nginx:1.27\n").first)
        #expect(finding.status == .drift)
        #expect(finding.expected == "nginx:1.27")
        #expect(finding.observed?.hasPrefix("localhost/reconcile-busybox:test (") == true)
        let snippet = try #require(finding.fix?.snippet)
        #expect(snippet.contains("docker rm -f web   # destructive"))
        // Recreated as it is (its command, environment and limits) with the manifest's image.
        #expect(
            snippet.hasSuffix(
                """
                docker run -d --name web \\
                  --restart always \\
                  --workdir / \\
                  -p 18080:80 \\
                  -e PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
                  -e TERM=xterm \\
                  -e container=podman \\
                  -e HOME=/ \\
                  --ulimit nofile=1024:1024 \\
                  --ulimit nproc=1024:1024 \\
                  nginx:1.27 httpd -f -p 80 -h /www
                """), "\(snippet)")
        #expect(finding.fix?.summary.contains("DESTRUCTIVE") == true)
    }

    @Test func imageNamesAreComparedTheWayTheEngineResolvesThem() {
        #expect(ImageReference.matches(desired: "nginx", observed: "docker.io/library/nginx:latest", imageID: ""))
        #expect(ImageReference.matches(desired: "reconcile-busybox:test", observed: "localhost/reconcile-busybox:test", imageID: ""))
        #expect(ImageReference.matches(desired: "registry:5000/app", observed: "registry:5000/app:latest", imageID: ""))
        #expect(!ImageReference.matches(desired: "nginx:1.27", observed: "nginx:1.26", imageID: ""))
        #expect(ImageReference.matches(desired: "sha256:9a1c4ad7c3e5", observed: "x", imageID: "sha256:9a1c4ad7c3e5f8b2"))
        #expect(!ImageReference.matches(desired: "sha256:9a1c", observed: "x", imageID: "sha256:9a1c4ad7c3e5f8b2"))
    }

    @Test func composeImageDriftGetsAComposeSnippet() throws {
        let finding = try #require(
            try findings("containers:\n  - name: backend\n    image: rims-backend:2.0\n    compose_project: rims\n").first)
        #expect(finding.fix?.language == "yaml")
        #expect(finding.fix?.snippet == "services:\n  backend:\n    image: rims-backend:2.0")
        #expect(finding.fix?.summary.contains("docker compose -p rims up -d backend") == true)
        #expect(finding.fix?.summary.contains("DESTRUCTIVE") == true)
    }

    @Test func restartPolicyIsUpdatedInPlace() throws {
        let finding = try #require(try findings("containers:\n  - name: db\n    restart_policy: unless-stopped\n").first)
        #expect(finding.status == .drift)
        #expect(finding.observed == "no")
        #expect(finding.fix?.summary.contains("docker update --restart=unless-stopped db") == true)
        #expect(finding.fix?.snippet == "services:\n  db:\n    restart: unless-stopped", "db carries compose labels")
        let plain = try #require(try findings("containers:\n  - name: web\n    restart_policy: unless-stopped\n").first)
        #expect(plain.fix?.snippet == "docker update --restart=unless-stopped web")
    }

    @Test func portPublishedOnEveryInterfaceInsteadOfLoopbackIsCritical() throws {
        let finding = try #require(try findings("containers:\n  - name: web\n    ports: [\"127.0.0.1:18080:80\"]\n").first)
        #expect(finding.status == .drift)
        #expect(finding.severity == .critical)
        #expect(finding.message == "container port 80 is published on every interface as 18080:80, expected 127.0.0.1:18080:80")
        #expect(finding.expected == "127.0.0.1:18080:80")
        #expect(finding.observed == "18080:80")
    }

    @Test func missingAndExtraPorts() throws {
        let missing = try #require(try findings("containers:\n  - name: worker\n    ports: [\"9000:9000\"]\n").first)
        #expect(missing.message == "9000:9000 is not published")
        #expect(missing.observed == "no published ports")
        let extra = try #require(try findings("containers:\n  - name: web\n    ports: []\n").first)
        #expect(extra.message == "18080:80 is published on every interface but not in the manifest")
        #expect(extra.severity == .critical)
        let engineChosen = try #require(try findings("containers:\n  - name: web\n    ports: [\"80\"]\n").first)
        #expect(engineChosen.status == .ok, "a host port left to the engine matches any")
    }

    @Test func missingDifferentAndReadOnlyMounts() throws {
        let result = try findings(
            """
            containers:
              - name: backend
                compose_project: rims
                mounts:
                  - { volume: media_data, target: /app/media, read_only: true }
                  - { volume: static_data, target: /app/static }
                  - { volume: logs, target: /app/logs }
            """)
        #expect(result.count == 1)
        let finding = try #require(result.first)
        #expect(finding.status == .drift)
        #expect(finding.message.contains("at /app/media: mounted read-write, expected read-only"))
        #expect(finding.message.contains("at /app/static: a bind of "))
        #expect(finding.message.contains("nothing is mounted at /app/logs (expected logs:/app/logs)"))
        #expect(finding.fix?.language == "yaml")
        let snippet = try #require(finding.fix?.snippet)
        #expect(snippet.contains("services:\n  backend:\n    volumes:\n      - media_data:/app/media:ro"))
        #expect(snippet.contains("volumes:\n  media_data: {}\n  static_data: {}\n  logs: {}"))
        #expect(finding.fix?.summary.contains("docker compose -p rims up -d backend") == true)
        #expect(finding.position?.line == 5, "the mounts: list")
    }

    @Test func volumeInsteadOfBindIsNamed() throws {
        let finding = try #require(
            try findings("containers:\n  - name: backend\n    mounts: [{ source: /srv/rims/media, target: /app/media }]\n").first)
        #expect(finding.message.contains("at /app/media: volume media_data, expected a bind mount of /srv/rims/media"))
    }

    @Test func missingEnvironmentNamesWithoutValues() throws {
        let finding = try #require(
            try findings("containers:\n  - name: backend\n    environment: [DJANGO_SETTINGS_MODULE, DATABASE_URL]\n").first)
        #expect(finding.status == .drift)
        #expect(finding.observed == "not set: DATABASE_URL")
        #expect(finding.message.contains("values are not compared"))
    }

    @Test func containerMadeByHandWhereComposeShouldOwnIt() throws {
        let finding = try #require(try findings("containers:\n  - name: web\n    compose_project: rims\n").first)
        #expect(finding.status == .drift)
        #expect(finding.severity == .warning)
        #expect(finding.observed == "not created by compose")
        #expect(finding.fix?.summary.contains("DESTRUCTIVE") == true)
    }

    @Test func missingVolumeIsCreated() throws {
        let result = try findings("volumes: [media_dat, { name: media_data, driver: nfs }]\n")
        let missing = try #require(result.about("volume media_dat").first)
        #expect(missing.status == .drift)
        #expect(missing.message.contains("did you mean 'media_data'?"))
        #expect(missing.fix?.snippet == "docker volume create media_dat")
        let driver = try #require(result.about("volume media_data").first)
        #expect(driver.status == .drift)
        #expect(driver.observed == "driver local")
    }

    @Test func unreachableEngineMakesEveryResourceUnknownWithTheRepair() throws {
        let problem = DockerEngineClient.noSocket("/var/run/docker.sock")
        let observation = DockerObservation(endpoint: "unix:///var/run/docker.sock", problem: problem)
        let result = try findings("containers:\n  - name: backend\n  - name: db\nvolumes: [media_data]\n", observation)
        #expect(result.map(\.resource) == ["backend", "db", "volume media_data"])
        #expect(result.nonEmptyAllSatisfy { $0.status == .unknown })
        #expect(result.nonEmptyAllSatisfy { $0.fix?.summary.contains("systemctl start docker") == true })
        #expect(result[0].message.contains("no Docker socket at /var/run/docker.sock"))
        let empty = try findings("endpoint: unix:///var/run/docker.sock\n", observation)
        #expect(empty.map(\.status) == [.unknown], "an empty section is still not ok")
    }

    @Test func uninspectableAndUnlistedVolumesAreUnknown() throws {
        var scene = try EngineFixtures.podmanScene()
        let id = try #require(scene.containers.first { $0.name == "db" }).id
        scene.inspected[id] = nil
        scene.inspectionProblems[id] = "GET /containers/x/json answered 404: no such container"
        scene.volumes = nil
        scene.volumeProblem = "GET /volumes answered 500"
        let result = try findings("containers:\n  - name: db\nvolumes: [media_data]\n", scene)
        #expect(result.map(\.status) == [.unknown, .unknown])
        #expect(result[0].message.contains("answered 404"))
    }

    @Test func documentedDockerStates() throws {
        let scene = try EngineFixtures.podmanScene()
        let restarting = try EngineFixtures.inspect("\(EngineFixtures.documented)/inspect-backend-restarting.json")
        var observation = EngineFixtures.adding(restarting, to: scene)
        let loop = try #require(try findings("containers:\n  - name: backend\n    state: running\n", observation).first)
        #expect(loop.observed == "restarting")
        #expect(loop.fix?.snippet == "docker logs --tail 100 backend")
        #expect(loop.fix?.summary.contains("crash-looping") == true)

        let dead = try EngineFixtures.inspect("\(EngineFixtures.documented)/inspect-db-dead.json")
        observation = EngineFixtures.adding(dead, to: scene)
        let deadFinding = try #require(try findings("containers:\n  - name: db\n    state: running\n", observation).first)
        #expect(deadFinding.fix?.snippet?.hasPrefix("docker rm db   # destructive\ndocker compose -p rims up -d db") == true)
        #expect(deadFinding.fix?.summary.contains("DESTRUCTIVE") == true)

        let web = try EngineFixtures.inspect("\(EngineFixtures.documented)/inspect-web-dual-stack.json")
        observation = EngineFixtures.adding(web, to: scene)
        let starting = try #require(try findings("containers:\n  - name: web\n    image: nginx:latest\n", observation).first)
        #expect(starting.status == .unknown, "health still starting: cannot confirm")
        #expect(starting.observed == "starting")
    }

    @Test func everyFixThatRemovesSomethingSaysSo() throws {
        let scene = try EngineFixtures.podmanScene()
        let yaml = """
            containers:
              - { name: backend, image: other:1, ports: ["1:1"], mounts: ["x:/x"], environment: [X], state: exited }
              - { name: db, state: running, restart_policy: always, image: other:2 }
              - { name: worker, state: running, image: other:3, compose_project: rims }
              - { name: cache, state: paused }
              - { name: web, image: other:4, compose_project: rims }
              - { name: gone, image: other:5 }
            volumes: [gone]
            """
        let all = try findings(yaml, scene)
        #expect(all.count > 10)
        for finding in all {
            let text = [finding.fix?.summary, finding.fix?.snippet].compactMap { $0 }.joined(separator: "\n")
            if text.contains("rm ") || text.contains("compose -p") && text.contains("replaces") {
                #expect(text.contains("DESTRUCTIVE") || text.contains("destructive"), "\(finding)")
            }
            #expect(!text.contains("volume rm"), "never suggests removing a volume: \(finding)")
            #expect(!text.contains("prune"), "\(finding)")
        }
    }
}
