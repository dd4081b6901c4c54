import CaddyChecker
import DjangoChecker
import DockerChecker
import ReconcileKit

extension MediaChecker: ConsistencyChecking {
    static let mediaRoot = ConsistencyRule("media-root", .error, "A chain's container_path is not Django's MEDIA_ROOT.")
    static let mediaURL = ConsistencyRule("media-url", .error, "A chain's served_at is not Django's MEDIA_URL.")
    static let caddyRoute = ConsistencyRule(
        "media-caddy-root", .error, "The Caddy route answering served_at does not serve files from host_path.")
    static let stripPrefix = ConsistencyRule(
        "media-strip-prefix", .error, "The Caddy route answering served_at does not strip the prefix.")
    static let containerMount = ConsistencyRule(
        "media-container-mount", .error, "The chain's container does not mount container_path (docker: or the compose file).")
    public static let consistencyRules = [mediaRoot, mediaURL, caddyRoute, stripPrefix, containerMount]

    /// Each link of every chain against the other sections, where both sides are written
    /// down: a section the manifest does not have, a setting it does not pin, or routes
    /// kept in a Caddyfile are not judged here (the run observes them), nor mounts of a
    /// compose file that is missing or unreadable (its own rule reports that).
    public func consistency(of spec: MediaSpec, in desired: DesiredState) -> [ConsistencyProblem] {
        let django = desired.section(DjangoSpec.self)
        let caddy = desired.section(CaddySpec.self)
        let containers = desired.section(DockerSpec.self).flatMap { $0.declaredContainers(source: desired.source) }
        return spec.chains.flatMap { chain in
            var problems: [ConsistencyProblem] = []
            if let django {
                problems += Self.setting(
                    "MEDIA_ROOT", in: django, equals: chain.containerPath, key: "container_path", chain: chain, rule: Self.mediaRoot)
                problems += Self.setting(
                    "MEDIA_URL", in: django, equals: chain.servedAt, key: "served_at", chain: chain, rule: Self.mediaURL)
            }
            if let caddy { problems += Self.route(in: caddy, for: chain) }
            if let containers { problems += Self.mount(in: containers, for: chain) }
            return problems
        }
    }

    static func setting(
        _ name: String, in django: DjangoSpec, equals value: String, key: String, chain: MediaSpec.Chain, rule: ConsistencyRule
    ) -> [ConsistencyProblem] {
        guard let setting = django.settings.first(where: { $0.name == name }), case .string(let pinned) = setting.value,
            !FilesystemPath.same(pinned, value)
        else { return [] }
        return [
            rule.problem(
                "mounts \(chain.name): \(key) is \(value) but Django's \(name) is \(pinned)", at: chain.position(of: key),
                related: [.init("django.settings.\(name)", at: setting.position)])
        ]
    }

    static func route(in caddy: CaddySpec, for chain: MediaSpec.Chain) -> [ConsistencyProblem] {
        guard let sites = caddy.writtenSites else { return [] }
        let request = ChainFacts.joined(chain.servedAt, "upload.jpg")
        let answering = sites.compactMap { site in site.route(answering: request) }
        let servedAt = chain.position(of: "served_at")
        guard let route = answering.first else {
            return [
                caddyRoute.problem(
                    "mounts \(chain.name): no desired Caddy route answers \(chain.servedAt), so uploads are never served",
                    at: servedAt, related: [.init("caddy", at: caddy.position)])
            ]
        }
        let at = ConsistencyProblem.Related("caddy route \(route.path)", at: route.position)
        var problems: [ConsistencyProblem] = []
        switch route.handler {
        case .reverseProxy(let upstreams)?, .phpFastcgi(let upstreams)?:
            problems.append(
                caddyRoute.problem(
                    "mounts \(chain.name): Caddy's route for \(chain.servedAt) proxies to \(upstreams.joined(separator: ", ")) instead of serving \(chain.hostPath)",
                    at: servedAt, related: [at]))
        case .fileServer(let root?)?
        where chain.caddyContainer == nil && !FilesystemPath.same(root, chain.hostPath):
            problems.append(
                caddyRoute.problem(
                    "mounts \(chain.name): host_path is \(chain.hostPath) but Caddy serves \(chain.servedAt) from \(root)",
                    at: chain.position(of: "host_path"), related: [at]))
        case .fileServer?:
            break
        case .respond?, .redir?, .abort?, .error?, nil:
            problems.append(
                caddyRoute.problem(
                    "mounts \(chain.name): Caddy's route for \(chain.servedAt) does not serve files, so uploads are never served",
                    at: servedAt, related: [at]))
        }
        let prefix = FilesystemPath.normalised(chain.servedAt)
        if route.stripPrefix.map(FilesystemPath.normalised) != prefix {
            let strips = route.stripPrefix.map { "strips \($0)" } ?? "does not strip the prefix"
            problems.append(
                stripPrefix.problem(
                    "mounts \(chain.name): Caddy's route for \(chain.servedAt) \(strips), so files are looked up under \(prefix) in the root; add strip_prefix: true",
                    at: route.position, related: [.init("mounts \(chain.name).served_at", at: servedAt)]))
        }
        return problems
    }

    static func mount(in containers: [ContainerSpec], for chain: MediaSpec.Chain) -> [ConsistencyProblem] {
        let at = chain.position(of: "container")
        guard let container = containers.first(where: { $0.isNamed(chain.container) }) else {
            return [
                containerMount.problem(
                    "mounts \(chain.name): container \(chain.container) is neither in docker.containers nor a service of the compose file",
                    at: at)
            ]
        }
        guard let mounts = container.mounts,
            !mounts.contains(where: { FilesystemPath.same($0.target, chain.containerPath) })
        else { return [] }
        return [
            containerMount.problem(
                "mounts \(chain.name): container \(chain.container) mounts nothing at \(chain.containerPath) (its mounts: \(mounts.map(\.target).joined(separator: ", ")))",
                at: chain.position(of: "container_path"),
                related: [.init("container \(container.name)", at: container.fieldPositions["mounts"] ?? container.position)])
        ]
    }
}
