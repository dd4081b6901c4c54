import CaddyChecker
import DjangoChecker
import DockerChecker
import Foundation
import ReconcileKit

/// Proves the media chain across layers: Django writes uploads to MEDIA_ROOT, which must
/// be `container_path`; that path must be a mount whose host side is `host_path`; Caddy
/// must serve `served_at` from that same directory with the prefix stripped; and Django
/// must not route media itself. Every broken link is its own finding, because every one
/// of them ends the same way for users: uploaded files 404.
///
/// It observes nothing twice: what Caddy, Docker and Django saw comes from their
/// checkers (`inputs`). Its own I/O is the live proof: a file under `host_path` fetched
/// through Caddy at `served_at` (read-only in a dry run; with `--probe-write` a probe
/// file is written, fetched and deleted).
public struct MediaChecker: Checker {
    public static let identifier = "media"
    public static let observes = "nothing new: reads the Caddy, Docker and Django observations, plus a live fetch through Caddy"
    public static let reports =
        "each link of MEDIA_ROOT → mount → Caddy root and strip → Django not serving media, and whether a real file comes back"
    public static let manualReason = "the chain is repaired through its links (caddy, docker, django); fix the link named above"
    public static let inputs: [any Checker.Type] = [CaddyChecker.self, DockerChecker.self, DjangoChecker.self]

    /// Files larger than this are not used as proof (the fetch is bounded).
    static let largestProofFile = 1 << 20

    public init() {}

    public func observe(_ spec: MediaSpec, in context: ObservationContext) async throws -> MediaObservation {
        async let caddy = Self.input(CaddyChecker.self, context)
        async let docker = Self.input(DockerChecker.self, context)
        async let django = Self.input(DjangoChecker.self, context)
        let (caddyResult, dockerResult, djangoResult) = await (caddy, docker, django)
        var chains: [String: ChainObservation] = [:]
        for chain in spec.chains {
            let mount = ChainFacts.mount(dockerResult, container: chain.container, path: chain.containerPath)
            let route = ChainFacts.route(caddyResult, servedAt: chain.servedAt)
            chains[chain.name] = ChainObservation(
                mediaRoot: ChainFacts.mediaRoot(djangoResult),
                djangoServesMedia: ChainFacts.djangoServesMedia(djangoResult),
                mount: mount,
                expectedCaddyRoot: ChainFacts.expectedCaddyRoot(dockerResult, chain: chain, backendMount: mount),
                route: route,
                live: await LiveProbe.run(chain: chain, route: route, context: context),
                repair: (try? dockerResult.get()).flatMap { ContainerRepair(chain.container, in: $0) })
        }
        return MediaObservation(chains: chains)
    }

    public func compare(_ spec: MediaSpec, with observation: MediaObservation) -> [Finding] {
        spec.chains.flatMap { chain in
            guard let observed = observation.chains[chain.name] else {
                return [
                    Finding(
                        checker: Self.identifier, resource: chain.name, status: .unknown,
                        message: "the chain was not observed", position: chain.position)
                ]
            }
            return MediaVerdict.findings(for: chain, observed: observed)
        }
    }

    static func input<C: Checker>(_ checker: C.Type, _ context: ObservationContext) async -> Result<C.Observation, Error> {
        do {
            return .success(try await context.observation(of: checker))
        } catch {
            return .failure(error)
        }
    }
}
