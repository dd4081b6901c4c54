import CaddyChecker
import DjangoChecker
import DockerChecker
import Foundation
import MediaChecker
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

/// The media checker against a real Caddy: the route facts come from the Caddy
/// checker's observation (shared, not observed twice), and the live proof fetches real
/// files through Caddy, writing a probe only when allowed.
@Suite struct MediaLiveTests {
    static let registry = CheckerRegistry(checkers: [
        CaddyChecker.self, DockerChecker.self, DjangoChecker.self, MediaChecker.self,
    ])

    /// A real Caddy serving /media/* from `caddyRoot` (prefix stripped), stopped when released.
    static func caddy(root caddyRoot: String) async throws -> CaddyInstance {
        try await startCaddy(
            """
            :$PORT0 {
            \tbind 127.0.0.1
            \thandle_path /media/* {
            \t\troot * \(caddyRoot)
            \t\tfile_server
            \t}
            }

            """)
    }

    static func run(_ caddy: CaddyInstance, hostPath: String, probeWrites: Bool = false) async throws -> [String: Finding] {
        let manifest = try ManifestDecoder(registry: registry).decode(
            """
            apiVersion: reconcile/v1
            kind: Environment
            caddy:
              admin: \(caddy.adminURL)
              sites:
                - routes:
                    - path: /media/*
                      strip_prefix: true
                      file_server: { root: \(hostPath) }
            mounts:
              - name: media
                container: backend
                container_path: /app/media
                host_path: \(hostPath)
                served_at: /media/
            """, file: "manifests/media.yaml")
        let context = ObservationContext(
            mode: .dryRun, source: StubSource(), environment: [:], allowsProbeWrites: probeWrites)
        let findings = await Reconciler(checkDeadline: .seconds(20)).run(manifest.checks, context: context, only: ["media"])
        return Dictionary(uniqueKeysWithValues: findings.map { ($0.resource, $0) })
    }

    @Test func anExistingFileIsServedThroughCaddyAndTheLayersNotInTheManifestAreUnknown() async throws {
        let media = try TemporaryDirectory()
        try media.write("uploads/hello.txt", "hello")
        let caddy = try await Self.caddy(root: media.path)
        let found = try await Self.run(caddy, hostPath: media.path)
        #expect(found["media: caddy route"]?.status == .ok)
        #expect(found["media: live"]?.status == .ok)
        #expect(found["media: live"]?.message.contains("/media/uploads/hello.txt") == true)
        #expect(found["media: MEDIA_ROOT"]?.status == .unknown)
        #expect(found["media: mount"]?.status == .unknown)
        #expect(found.keys.nonEmptyAllSatisfy { $0.hasPrefix("media: ") }, "--only media reports only the media checker")
    }

    @Test func aWrongRootIsCaughtByTheRouteLinkAndByTheLiveProof() async throws {
        let media = try TemporaryDirectory()
        try media.write("a.txt", "a")
        let elsewhere = try TemporaryDirectory()
        let caddy = try await Self.caddy(root: elsewhere.path)
        let found = try await Self.run(caddy, hostPath: media.path)
        #expect(found["media: caddy route"]?.status == .drift)
        #expect(found["media: live"]?.status == .drift)
        #expect(found["media: live"]?.observed == "status 404")
    }

    @Test func anEmptyMediaDirectoryNeedsProbeWriteAndTheProbeIsDeletedAfterwards() async throws {
        let media = try TemporaryDirectory()
        let caddy = try await Self.caddy(root: media.path)
        let readOnly = try await Self.run(caddy, hostPath: media.path)
        #expect(readOnly["media: live"]?.status == .unknown)
        #expect(readOnly["media: live"]?.message.contains("--probe-write") == true)

        let written = try await Self.run(caddy, hostPath: media.path, probeWrites: true)
        #expect(written["media: live"]?.status == .ok)
        #expect(written["media: live"]?.message.contains("a probe file written to") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: media.path).isEmpty)
    }
}
