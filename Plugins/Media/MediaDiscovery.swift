import CaddyChecker
import DjangoChecker
import DockerChecker
import ReconcileKit

/// `reconcile discover`'s `mounts:` section: the media chain inferred from what the
/// Caddy, Docker and Django pieces observed (MEDIA_ROOT, the mount at it in the Django
/// container and that mount's host path, MEDIA_URL), then observed by the checker's own
/// `observe` (the live proof included) so the comments say which links hold today.
extension MediaChecker: Discovering {
    public static let discoveredAfter = ["caddy", "docker", "django"]

    public func discover(_ request: DiscoveryRequest, earlier: Discoveries, in context: ObservationContext) async throws
        -> MediaObservation?
    {
        guard case .chain(let chain) = Self.infer(request, earlier) else { return nil }
        return try await observe(MediaSpec(chains: [chain]), in: context)
    }

    public func describe(_ observation: MediaObservation, request: DiscoveryRequest, earlier: Discoveries)
        -> DiscoveredSection
    {
        guard case .chain(let chain) = Self.infer(request, earlier), let observed = observation.chains[chain.name] else {
            return DiscoveredSection(value: nil)
        }
        let links = MediaVerdict.findings(for: chain, observed: observed).map { finding in
            "\(finding.resource): \(finding.status.rawValue), \(finding.message)"
        }
        let fields = [
            YAMLEntry("name", .string(chain.name)),
            YAMLEntry("container", .string(chain.container)),
            YAMLEntry("container_path", .string(chain.containerPath), comments: ["Django's MEDIA_ROOT, and the mount's target"]),
            YAMLEntry("host_path", .string(chain.hostPath), comments: ["the mount's source on the host"]),
            YAMLEntry("served_at", .string(chain.servedAt), comments: ["Django's MEDIA_URL"]),
        ]
        return DiscoveredSection(
            value: .list([YAMLItem(.map(fields))]),
            comments: ["Media chain, inferred: CONFIRM it is the path uploads take. Its links as observed now:"] + links)
    }

    /// What discover can say about the chain.
    enum Inference {
        case chain(MediaSpec.Chain)
        case none
    }

    /// The chain the earlier discoveries describe: where Django writes uploads (MEDIA_ROOT,
    /// or its default storage's own location), the Django container's mount there,
    /// MEDIA_URL. None when a layer was not discovered or has no such thing.
    static func infer(_ request: DiscoveryRequest, _ earlier: Discoveries) -> Inference {
        guard let container = request.djangoContainer, let django = earlier.observation(of: DjangoChecker.self),
            earlier.observation(of: CaddyChecker.self) != nil, let docker = earlier.observation(of: DockerChecker.self),
            case .observed(let uploads) = ChainFacts.mediaRoot(.success(django)),
            case .string(let mediaURL)? = django.value(of: "MEDIA_URL"), mediaURL.hasPrefix("/"), uploads.path.hasPrefix("/"),
            case .observed(let mount?) = ChainFacts.mount(.success(docker), container: container, path: uploads.path),
            mount.source.hasPrefix("/")
        else { return .none }
        return .chain(
            MediaSpec.Chain(
                name: "media", container: container, containerPath: uploads.path, hostPath: mount.source, servedAt: mediaURL,
                caddyContainer: nil, position: SourcePosition(file: "-", line: 1, column: 1)))
    }
}

extension MediaSpec {
    /// The chains discover inferred, as a spec to observe.
    init(chains: [Chain]) {
        self.chains = chains
    }
}
