import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DockerChecker

/// The compose file in a real git config repository as desired state, through the built
/// CLI, against real containers made the way `docker compose up -d` names and labels
/// them (no compose tool is installed: podman run with compose's labels stands in).
@Suite("docker: compose file end to end (CLI)")
struct ComposeEndToEndTests {
    func reconcile(_ repository: ScratchRepository, _ arguments: [String]) throws -> (status: Int32, report: [String: Any]?, stderr: String)
    {
        let binary = try builtReconcile()
        let result = try run(binary, ["--repo", repository.path, "--format", "json"] + arguments)
        let report = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return (result.status, report, result.stderr + result.stdout)
    }

    func findings(_ report: [String: Any]?) -> [[String: Any]] { report?["findings"] as? [[String: Any]] ?? [] }

    /// A config repository with `compose` as deploy/compose.yaml and manifests/prod.yaml
    /// naming it as `docker.compose: REFERENCE` on `engine`.
    static func repository(_ compose: String, engine: PodmanEngine, reference: String) throws -> ScratchRepository {
        try ScratchRepository(files: [
            "deploy/compose.yaml": compose,
            "manifests/prod.yaml": """
            apiVersion: reconcile/v1
            kind: Environment
            name: prod
            docker:
              endpoint: \(engine.endpoint)
              compose: \(reference)
            """,
        ])
    }

    @Test func composeFileAtTheManifestsRefIsTheDesiredState() throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let project = scene.prefix
        let engine = scene.engine
        let port = try freeLoopbackPort()
        let volume = scene.volume("media_data")
        let backend = scene.container("backend-1")
        let db = scene.container("db-1")
        try engine.podman(["volume", "create", "--label", "com.docker.compose.project=\(project)", volume])
        try engine.run(
            backend,
            [
                "--label", "com.docker.compose.project=\(project)", "--label", "com.docker.compose.service=backend",
                "--restart", "unless-stopped", "-p", "127.0.0.1:\(port):8000", "-v", "\(volume):/app/media",
                "--health-cmd", "true", "--health-interval", "1h", "-e", "DJANGO_SETTINGS_MODULE=rims.settings",
            ], command: ["httpd", "-f", "-p", "8000", "-h", "/www"])
        try engine.podman(["healthcheck", "run", backend])
        try engine.run(db, ["--label", "com.docker.compose.project=\(project)", "--label", "com.docker.compose.service=db"])

        let compose = """
            services:
              backend:
                image: localhost/reconcile-busybox:${TAG:-test}
                restart: unless-stopped
                ports: ["127.0.0.1:\(port):8000"]
                volumes: [media_data:/app/media]
                environment:
                  DJANGO_SETTINGS_MODULE: rims.settings
                healthcheck:
                  test: ["CMD", "true"]
              db:
                image: localhost/reconcile-busybox:test
                command: sleep 1000
            volumes:
              media_data:
            """
        let repository = try Self.repository(compose, engine: engine, reference: "{ file: deploy/compose.yaml, project: \(project) }")

        // In sync: every service's container and the named volume.
        let inSync = try reconcile(repository, ["--manifest", "manifests/prod.yaml", "--dry-run"])
        #expect(inSync.status == 0, "\(inSync.stderr)")
        #expect(inSync.report?["summary"] as? [String: Int] == ["ok": 3, "drift": 0, "unknown": 0])
        #expect(Set(findings(inSync.report).compactMap { $0["resource"] as? String }) == [backend, db, "volume \(volume)"])

        // The next commit changes the compose file: drift at HEAD, still in sync at HEAD~1.
        try repository.commit(
            [
                "deploy/compose.yaml": compose.replacingOccurrences(of: "${TAG:-test}", with: "2.0")
                    .replacingOccurrences(
                        of: "  db:\n    image: localhost/reconcile-busybox:test",
                        with:
                            "  db:\n    image: localhost/reconcile-busybox:test\n    restart: always\n    ports: [\"127.0.0.1:\(port + 1):5432\"]"
                    )
            ], message: "backend 2.0, db restarts and publishes its port")
        let drift = try reconcile(repository, ["--manifest", "manifests/prod.yaml", "--dry-run"])
        #expect(drift.status == 2, "\(drift.stderr)")
        let drifts = findings(drift.report).filter { $0["status"] as? String == "drift" }
        #expect(drifts.count == 3, "\(drifts)")
        let image = drifts.first { $0["resource"] as? String == backend }
        #expect(image?["expected"] as? String == "localhost/reconcile-busybox:2.0")
        let imageFix = image?["fix"] as? [String: Any]
        // The file already says 2.0: compose recreates the container, nothing to set.
        #expect(imageFix?["language"] as? String == "shell")
        #expect(imageFix?["snippet"] as? String == "docker compose -p \(project) up -d backend")
        let restart = drifts.first { ($0["message"] as? String)?.hasPrefix("restart policy") == true }
        #expect(((restart?["fix"] as? [String: Any])?["summary"] as? String)?.contains("docker update --restart=always \(db)") == true)
        #expect(drifts.contains { ($0["message"] as? String) == "127.0.0.1:\(port + 1):5432 is not published" })

        let previous = try reconcile(repository, ["--manifest", "manifests/prod.yaml", "--dry-run", "--ref", "HEAD~1"])
        #expect(previous.status == 0, "the compose file is read at the same ref: \(previous.stderr)")

        // A removed container and volume are drift with compose fixes.
        engine.remove(containers: [db])
        let missing = try reconcile(repository, ["--manifest", "manifests/prod.yaml", "--dry-run", "--ref", "HEAD~1"])
        #expect(missing.status == 2)
        let gone = findings(missing.report).first { $0["resource"] as? String == db }
        #expect(gone?["observed"] as? String == "no such container")
        #expect((gone?["fix"] as? [String: Any])?["snippet"] as? String == "docker compose -p \(project) up -d db")
    }

    /// Profiles, a relative bind source and what compose refuses, on real containers
    /// labelled as `docker compose --profile prod up -d` labels them (the working
    /// directory label is what relative sources resolve against).
    @Test func profilesRelativeBindsAndRefusalsAsComposeSeesThem() throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let project = scene.prefix
        let engine = scene.engine
        let directory = try TemporaryDirectory(prefix: "reconcile-compose-project")
        try FileManager.default.createDirectory(atPath: directory.file("media"), withIntermediateDirectories: true)
        let labels = { (service: String) in
            [
                "--label", "com.docker.compose.project=\(project)", "--label", "com.docker.compose.service=\(service)",
                "--label", "com.docker.compose.project.working_dir=\(directory.path)",
            ]
        }
        let backend = scene.container("backend-1")
        let worker = scene.container("worker-1")
        try engine.run(backend, labels("backend") + ["--restart", "unless-stopped", "-v", "\(directory.file("media")):/app/media"])
        try engine.run(worker, labels("worker"))

        let compose = """
            services:
              backend:
                image: localhost/reconcile-busybox:test
                restart: unless-stopped
                volumes: ["./media:/app/media"]
              worker:
                image: localhost/reconcile-busybox:test
                profiles: [prod]
              debug:
                image: localhost/reconcile-busybox:test
                profiles: [debug]
            """
        let repository = try Self.repository(
            compose, engine: engine, reference: "{ file: deploy/compose.yaml, project: \(project), profiles: [prod] }")

        // The prod profile's worker is expected and runs; debug is not active, so its
        // missing container is nothing; ./media is the bind of the project directory.
        let inSync = try reconcile(repository, ["--manifest", "manifests/prod.yaml", "--dry-run"])
        #expect(inSync.status == 0, "\(inSync.stderr)")
        #expect(findings(inSync.report).compactMap { $0["resource"] as? String }.sorted() == [backend, worker].sorted())
        let backendOK = findings(inSync.report).first { $0["resource"] as? String == backend }
        #expect(backendOK?["message"] as? String == "running, as desired", "compared, not left out")

        // The file now binds ./uploads: drift at the resolved path, and the fix is
        // compose recreating the container, never "set" what the file already says.
        try repository.commit(
            ["deploy/compose.yaml": compose.replacingOccurrences(of: "./media:/app/media", with: "./uploads:/app/media")],
            message: "uploads")
        let moved = try reconcile(repository, ["--manifest", "manifests/prod.yaml", "--dry-run"])
        #expect(moved.status == 2, "\(moved.stderr)")
        let mount = findings(moved.report).first { $0["resource"] as? String == backend }
        #expect(
            mount?["message"] as? String
                == "at /app/media: bind of \(directory.file("media")), expected \(directory.file("uploads"))")
        let fix = mount?["fix"] as? [String: Any]
        #expect(fix?["snippet"] as? String == "docker compose -p \(project) up -d backend")
        #expect((fix?["summary"] as? String)?.hasPrefix("The compose file already says this") == true)

        // A file compose refuses is a finding of the run at the file's line, not only in validate.
        try repository.commit(
            [
                "deploy/compose.yaml": compose.replacingOccurrences(
                    of: "volumes: [\"./media:/app/media\"]", with: "volumes: [\"./media:/app/media\", \"cache:/app/media\"]")
            ], message: "a second mount on /app/media, of an undeclared volume")
        let refused = try reconcile(repository, ["--manifest", "manifests/prod.yaml", "--dry-run"])
        #expect(refused.status == 2, "\(refused.stderr)")
        let problems = findings(refused.report).filter { $0["resource"] as? String == "deploy/compose.yaml" }
        #expect(
            problems.compactMap { $0["message"] as? String }.sorted() == [
                "docker compose would refuse deploy/compose.yaml: a second mount on /app/media in this service (compose "
                    + "refuses duplicate mount points) [compose-duplicate-target]",
                "docker compose would refuse deploy/compose.yaml: named volume cache is not declared under the file's "
                    + "top-level volumes: (compose refuses it) [compose-undeclared-volume]",
            ])
        #expect(problems.allSatisfy { $0["status"] as? String == "drift" })
    }

    @Test func unreachableEngineIsExitThreeAndABadManifestExitOne() throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-nosock")
        let repository = try ScratchRepository(files: [
            "deploy/compose.yaml": "services:\n  web:\n    image: nginx\n",
            "manifests/nosock.yaml": """
            apiVersion: reconcile/v1
            kind: Environment
            docker:
              endpoint: unix://\(directory.file("docker.sock"))
              compose: { file: deploy/compose.yaml, project: rims }
            """,
            "manifests/bad.yaml": """
            apiVersion: reconcile/v1
            kind: Environment
            docker:
              compose: /srv/rims/compose.yaml
            """,
            "manifests/nofile.yaml": """
            apiVersion: reconcile/v1
            kind: Environment
            docker:
              endpoint: unix://\(directory.file("docker.sock"))
              compose: { file: deploy/missing.yaml, project: rims }
            """,
        ])
        let unknown = try reconcile(repository, ["--manifest", "manifests/nosock.yaml", "--dry-run"])
        #expect(unknown.status == 3, "\(unknown.stderr)")
        let finding = findings(unknown.report).first
        #expect(finding?["resource"] as? String == "rims-web-1")
        #expect(finding?["status"] as? String == "unknown")
        #expect((finding?["message"] as? String)?.contains("no Docker socket") == true)

        let bad = try reconcile(repository, ["--manifest", "manifests/bad.yaml", "--dry-run"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("manifests/bad.yaml:4:12"), "\(bad.stderr)")
        #expect(bad.stderr.contains("repository-relative path"))

        let nofile = try reconcile(repository, ["--manifest", "manifests/nofile.yaml", "--dry-run"])
        #expect(nofile.status == 3, "\(nofile.stderr)")
        #expect(findings(nofile.report).contains { ($0["message"] as? String)?.contains("cannot read deploy/missing.yaml") == true })
    }
}
