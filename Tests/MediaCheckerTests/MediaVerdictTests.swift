import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import DockerChecker
@testable import MediaChecker

/// Each broken link of the chain is its own finding, naming the link and carrying the
/// fix for that link only; a healthy chain is five `ok`s.
@Suite struct MediaVerdictTests {
    static let chain = MediaSpec.Chain(
        name: "media", container: "backend", containerPath: "/app/media", hostPath: "/srv/media", servedAt: "/media/",
        caddyContainer: nil, position: SourcePosition(file: "m.yaml", line: 3, column: 5))

    static let healthy = ChainObservation(
        mediaRoot: .observed(UploadDirectory(path: "/app/media")), djangoServesMedia: .observed(.notRouted),
        mount: .observed(MountFact(type: "bind", source: "/srv/media")), expectedCaddyRoot: .observed("/srv/media"),
        route: .observed(
            RouteFact(
                path: "/media/*", handler: "file_server", root: "/srv/media", stripPrefix: "/media",
                baseURL: "http://127.0.0.1:8080")),
        live: .observed(
            LiveProof(
                url: "http://127.0.0.1:8080/media/a.txt", file: "/srv/media/a.txt", wroteProbe: false,
                outcome: .served)))

    static func findings(_ change: (inout ChainObservation) -> Void) -> [String: Finding] {
        var observed = healthy
        change(&observed)
        return Dictionary(uniqueKeysWithValues: MediaVerdict.findings(for: chain, observed: observed).map { ($0.resource, $0) })
    }

    @Test func aHealthyChainIsFiveOks() {
        let findings = MediaVerdict.findings(for: Self.chain, observed: Self.healthy)
        #expect(
            findings.map(\.resource) == [
                "media: MEDIA_ROOT", "media: mount", "media: caddy route", "media: served by Django", "media: live",
            ])
        #expect(findings.nonEmptyAllSatisfy { $0.status == .ok && $0.checker == "media" })
        #expect(findings.nonEmptyAllSatisfy { $0.position == Self.chain.position })
    }

    @Test func aWrongMediaRootIsDriftWithTheSettingsLine() {
        let found = Self.findings { $0.mediaRoot = .observed(UploadDirectory(path: "/app/uploads")) }
        let finding = found["media: MEDIA_ROOT"]
        #expect(finding?.status == .drift)
        #expect(finding?.observed == "/app/uploads")
        #expect(finding?.fix?.snippet == "MEDIA_ROOT = \"/app/media\"")
        #expect(found.values.filter { $0.status == .drift }.count == 1)
    }

    /// The backend as the engine reports it, without the media mount.
    static func backend(labels: [String: String] = [:]) -> ContainerObservation {
        ContainerObservation(
            id: "b1", name: "backend", state: "running", image: "rims-backend:demo",
            restartPolicy: RestartPolicy(.unlessStopped),
            mounts: [MountObservation(type: "bind", source: "/srv/src", target: "/app/src", readOnly: true)],
            composeProject: labels["com.docker.compose.project"], composeService: labels["com.docker.compose.service"],
            definition: ContainerDefinition(
                command: ["gunicorn", "rims.wsgi"], networkMode: "host", labels: labels,
                environment: ["DJANGO_ALLOWED_HOSTS=localhost", "DJANGO_SECRET_KEY=never-printed"]))
    }

    static func repair(_ container: ContainerObservation, compose: ComposeObservation? = nil) -> ContainerRepair? {
        ContainerRepair(
            "backend",
            in: DockerObservation(
                endpoint: "unix:///x.sock", inspected: [container.id: container],
                volumes: [VolumeObservation(name: "media_data", driver: "local", mountpoint: "/srv/media")],
                compose: compose))
    }

    /// The mount finding when nothing is mounted, with `repair` as the container's recreate.
    static func nothingMounted(repair: ContainerRepair? = nil) -> Finding? {
        findings {
            $0.mount = .observed(nil)
            $0.repair = repair
        }["media: mount"]
    }

    @Test func nothingMountedInAComposeContainerIsDriftWithTheComposeVolumesEntry() {
        let labels = ["com.docker.compose.project": "rims", "com.docker.compose.service": "backend"]
        let finding = Self.nothingMounted(repair: Self.repair(Self.backend(labels: labels)))
        #expect(finding?.status == .drift)
        #expect(finding?.message.contains("nothing is mounted at /app/media") == true)
        #expect(finding?.fix?.snippet == "services:\n  backend:\n    volumes:\n      - media_data:/app/media\nvolumes:\n  media_data: {}")
        #expect(finding?.fix?.language == "yaml")
        #expect(finding?.fix?.summary.contains("docker compose -p rims up -d backend") == true)
    }

    @Test func nothingMountedWhenTheManifestNamesAComposeFileIsTheComposeEntry() {
        let finding = Self.nothingMounted(
            repair: Self.repair(Self.backend(), compose: ComposeObservation(file: "compose.yaml", project: "rims")))
        #expect(finding?.fix?.language == "yaml")
        #expect(finding?.fix?.summary.contains("docker compose -p rims up -d backend") == true)
    }

    /// No compose labels and no compose file: the same docker run recreate as the Docker
    /// finding's, keeping the container's command, mounts, network and environment.
    @Test func nothingMountedInAContainerWithoutComposeIsADockerRunRecreate() throws {
        let fix = try #require(Self.nothingMounted(repair: Self.repair(Self.backend()))?.fix)
        #expect(fix.language == "shell")
        #expect(!fix.summary.contains("compose"), "\(fix.summary)")
        #expect(
            fix.snippet
                == """
                docker rm -f backend   # destructive
                # first export DJANGO_SECRET_KEY in this shell: their values are taken from it (-e NAME), never printed
                docker run -d --name backend \\
                  --restart unless-stopped \\
                  --network host \\
                  -v /srv/src:/app/src:ro \\
                  -v media_data:/app/media \\
                  -e DJANGO_ALLOWED_HOSTS=localhost \\
                  -e DJANGO_SECRET_KEY \\
                  rims-backend:demo gunicorn rims.wsgi
                """)
    }

    @Test func nothingMountedInAContainerThatWasNotInspectedStillSaysWhatToMount() {
        let finding = Self.nothingMounted()
        #expect(finding?.fix?.summary == "Mount /srv/media at /app/media in container backend, then recreate it.")
        #expect(finding?.fix?.snippet == nil)
    }

    @Test func aMountOfAnotherDirectoryIsDriftNamingBoth() {
        let finding = Self.findings { $0.mount = .observed(MountFact(type: "volume", volume: "other", source: "/var/other")) }[
            "media: mount"]
        #expect(finding?.status == .drift)
        #expect(finding?.message.contains("/var/other") == true)
        #expect(finding?.message.contains("/srv/media") == true)
    }

    @Test func aWrongCaddyRootIsDriftWithTheRootLineAndTheJSONPath() {
        let finding = Self.findings {
            $0.route = .observed(
                RouteFact(
                    path: "/media/*", handler: "file_server", root: "/srv/meda", stripPrefix: "/media",
                    jsonPath: "/config/apps/http/servers/srv0/routes/1/handle/0/root"))
        }["media: caddy route"]
        #expect(finding?.status == .drift)
        #expect(finding?.fix?.snippet == "root * /srv/media")
        #expect(finding?.fix?.summary.contains("/config/apps/http/servers/srv0/routes/1/handle/0/root") == true)
    }

    @Test func aMissingStripIsDriftSuggestingHandlePath() {
        let finding = Self.findings {
            $0.route = .observed(RouteFact(path: "/media/*", handler: "file_server", root: "/srv/media", stripPrefix: nil))
        }["media: caddy route"]
        #expect(finding?.status == .drift)
        #expect(finding?.fix?.snippet == "handle_path /media/* {\n\troot * /srv/media\n\tfile_server\n}")
    }

    @Test func noRouteOrAnotherHandlerIsDrift() {
        #expect(Self.findings { $0.route = .observed(nil) }["media: caddy route"]?.status == .drift)
        let proxied = Self.findings {
            $0.route = .observed(RouteFact(path: "/*", handler: "reverse_proxy"))
        }["media: caddy route"]
        #expect(proxied?.status == .drift)
        #expect(proxied?.message.contains("reverse_proxy") == true)
    }

    @Test func djangoServingMediaIsAWarningDriftWithTheURLGuard() {
        let finding = Self.findings { $0.djangoServesMedia = .observed(.routed) }["media: served by Django"]
        #expect(finding?.status == .drift)
        #expect(finding?.severity == .warning)
        #expect(finding?.fix?.snippet?.hasPrefix("if settings.DEBUG:") == true)
    }

    /// static()'s route exists only while DEBUG is on: the fix is DEBUG, not a guard.
    @Test func djangoServingMediaOnlyUnderDebugIsFixedByDebugNotByAGuard() {
        let finding = Self.findings { $0.djangoServesMedia = .observed(.onlyUnderDebug) }["media: served by Django"]
        #expect(finding?.status == .drift)
        #expect(finding?.observed == "yes, because DEBUG is on")
        #expect(finding?.fix?.summary == "Turn DEBUG off (the django DEBUG finding says how); urls.py needs no change.")
        #expect(finding?.fix?.snippet == nil)
    }

    @Test func aLive404IsDriftAndNoAnswerIsCritical() {
        let missing = Self.findings {
            $0.live = .observed(LiveProof(url: "u", file: "f", wroteProbe: true, outcome: .status(404)))
        }["media: live"]
        #expect(missing?.status == .drift)
        #expect(missing?.observed == "status 404")
        let down = Self.findings {
            $0.live = .observed(LiveProof(url: "u", file: "f", wroteProbe: false, outcome: .failed("connection refused")))
        }["media: live"]
        #expect(down?.severity == .critical)
    }

    @Test func unknownFactsAreUnknownNeverOk() {
        let found = Self.findings {
            $0.mediaRoot = .unknown("no django")
            $0.djangoServesMedia = .unknown("no django")
            $0.mount = .unknown("no docker")
            $0.route = .unknown("no caddy")
            $0.live = .unknown("no caddy")
        }
        #expect(found.values.nonEmptyAllSatisfy { $0.status == .unknown })
        #expect(found["media: mount"]?.message == "no docker")
    }
}
