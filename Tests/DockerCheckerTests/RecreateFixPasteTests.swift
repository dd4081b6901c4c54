import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DockerChecker

/// The `docker run` a drift finding prints, pasted into a shell against a real engine
/// (Podman, through a `docker` function that calls its CLI): it must build the
/// container as it was, with only the manifest's fields changed, and print no secret.
@Suite("docker: a pasted recreate fix on a real engine (Podman)")
struct RecreateFixPasteTests {
    static let secret = "s3cr3t-do-not-print"
    /// A name that does not look secret, with a password in its value.
    static let databaseURL = "postgres://rims:\(secret)@db/rims"
    /// A command with quoting in it, which stops at once on SIGTERM.
    static let command = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]

    /// Runs `snippet` in `sh` with `docker` as this engine's podman and `environment` exported.
    func paste(_ snippet: String, on engine: PodmanEngine, environment: [String: String?]) throws {
        let store = PodmanEngine.storeArguments(engine.directory).map(ShellWord.quoted).joined(separator: " ")
        try runChecked("sh", ["-ec", "docker() { podman \(store) \"$@\"; }\n\(snippet)"], environment: environment)
    }

    @Test func aPastedRecreateKeepsTheCommandMountsAndEnvironmentAndChangesOnlyTheManifestsFields() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let engine = scene.engine
        let backend = scene.container("backend")
        let media = scene.volume("media_data")
        let elsewhere = scene.volume("elsewhere")
        let source = try TemporaryDirectory(prefix: "reconcile-src")
        try "print('hi')\n".write(toFile: "\(source.path)/app.py", atomically: true, encoding: .utf8)
        try engine.run(
            backend,
            [
                "--restart", "unless-stopped", "--workdir", "/app/src", "--label", "kept=yes",
                "-v", "\(source.path):/app/src:ro", "-v", "\(media):/app/media",
                "-e", "GREETING=hello world", "-e", "API_TOKEN=\(Self.secret)", "-e", "DJANGO_DEBUG=1",
                "-e", "DATABASE_URL=\(Self.databaseURL)",
            ],
            command: Self.command)
        let oldCommand = try engine.inspect(backend, "{{json .Config.Cmd}}")

        let spec = try SpecText.decode(
            """
            endpoint: \(engine.endpoint)
            containers:
              - name: \(backend)
                environment: { DJANGO_DEBUG: "0" }
                mounts: [{ volume: \(elsewhere), target: /app/media }]
            """)
        let checker = DockerChecker()
        let observation = try await checker.observe(
            spec, in: dryRunContext())
        let findings = checker.compare(spec, with: observation).about(backend)
        let environment = try #require(findings.first { $0.expected == "DJANGO_DEBUG=\"0\"" }, "\(findings)")
        let mounts = try #require(findings.first { $0.expected == "\(elsewhere):/app/media" }, "\(findings)")
        let fix = try #require(environment.fix)
        let snippet = try #require(fix.snippet)
        #expect(mounts.fix?.snippet == snippet, "both drifts are answered by the same recreate")

        // No secret value anywhere: not in the fix, the findings, or the recorded observation.
        let observed = String(decoding: try JSONEncoder().encode(observation), as: UTF8.self)
        for text in [snippet, fix.summary, "\(findings)", observed] { #expect(!text.contains(Self.secret)) }
        #expect(snippet.contains("-e API_TOKEN "), "\(snippet)")
        #expect(snippet.contains("-e DATABASE_URL "), "\(snippet)")
        #expect(snippet.contains("# first export API_TOKEN, DATABASE_URL in this shell"), "\(snippet)")
        #expect(fix.summary.contains("Export API_TOKEN, DATABASE_URL first"), "\(fix.summary)")
        // Nothing a text report would cut: it caps every field and every snippet line.
        #expect(fix.summary.count <= UntrustedText.defaultLimit, "\(fix.summary)")
        #expect(snippet.split(separator: "\n").allSatisfy { $0.count <= 120 }, "\(snippet)")
        #expect(snippet.contains("-e 'GREETING=hello world'"), "a value that is not secret is printed: \(snippet)")
        #expect(!snippet.contains("HOSTNAME="), "the old container's hostname is not carried over: \(snippet)")

        try paste(snippet, on: engine, environment: ["API_TOKEN": Self.secret, "DATABASE_URL": Self.databaseURL])

        #expect(try engine.inspect(backend, "{{.State.Status}}") == "running")
        #expect(try engine.inspect(backend, "{{json .Config.Cmd}}") == oldCommand)
        #expect(try engine.inspect(backend, "{{.Config.WorkingDir}}") == "/app/src")
        #expect(try engine.inspect(backend, "{{.Config.Labels.kept}}") == "yes")
        #expect(try engine.inspect(backend, "{{.HostConfig.RestartPolicy.Name}}") == "unless-stopped")
        let mounted = try engine.inspect(backend, "{{range .Mounts}}{{.Destination}}={{.Source}}{{.Name}},{{.RW}};{{end}}")
        #expect(mounted.contains("/app/src=\(source.path),false;"), "\(mounted)")
        #expect(mounted.contains("/app/media=") && mounted.contains("\(elsewhere),true;"), "\(mounted)")
        #expect(!mounted.contains(media), "the manifest's volume replaced the old one: \(mounted)")
        let variables = try engine.inspect(backend, "{{range .Config.Env}}{{.}}\n{{end}}").split(separator: "\n")
        #expect(variables.contains("DJANGO_DEBUG=0"))
        #expect(variables.contains("GREETING=hello world"))
        #expect(variables.contains("API_TOKEN=\(Self.secret)"), "the secret came from the pasting shell")
        #expect(variables.contains("DATABASE_URL=\(Self.databaseURL)"))
        #expect(try engine.podman(["exec", backend, "cat", "/app/src/app.py"]) == "print('hi')")

        let again = checker.compare(
            spec, with: try await checker.observe(spec, in: dryRunContext()))
        #expect(again.about(backend).nonEmptyAllSatisfy { $0.status == .ok }, "\(again)")
    }

    /// The media chain's repair for a container with nothing mounted where uploads go:
    /// without compose it is the Docker finding's `docker run`, here adding the volume
    /// whose directory Caddy serves and keeping everything else.
    @Test func aPastedMountRepairWithoutComposeAddsTheVolumeAndKeepsTheRest() async throws {
        let scene = try Scene()
        defer { scene.tearDown() }
        let engine = scene.engine
        let backend = scene.container("backend")
        let media = scene.volume("media_data")
        try engine.podman(["volume", "create", media])
        let source = try TemporaryDirectory(prefix: "reconcile-src")
        try engine.run(backend, ["-v", "\(source.path):/app/src:ro", "-e", "GREETING=hi"], command: Self.command)
        let oldCommand = try engine.inspect(backend, "{{json .Config.Cmd}}")
        let spec = try SpecText.decode("endpoint: \(engine.endpoint)\ncontainers:\n  - name: \(backend)\n")
        let observation = try await DockerChecker().observe(
            spec, in: dryRunContext())
        let mountpoint = try #require(observation.volume(named: media)?.mountpoint)

        let fix = try #require(ContainerRepair(backend, in: observation)).mounting(mountpoint, at: "/app/media", because: "test")
        #expect(fix.language == "shell")
        #expect(!fix.summary.contains("compose"), "\(fix.summary)")
        try paste(try #require(fix.snippet), on: engine, environment: [:])

        #expect(try engine.inspect(backend, "{{.State.Status}}") == "running")
        #expect(try engine.inspect(backend, "{{json .Config.Cmd}}") == oldCommand)
        let mounted = try engine.inspect(backend, "{{range .Mounts}}{{.Destination}}={{.Source}}{{.Name}};{{end}}")
        #expect(mounted.contains("/app/src=\(source.path);"), "\(mounted)")
        #expect(mounted.contains("/app/media=") && mounted.contains("\(media);"), "\(mounted)")
        #expect(try engine.inspect(backend, "{{range .Config.Env}}{{.}};{{end}}").contains("GREETING=hi;"))
    }
}
