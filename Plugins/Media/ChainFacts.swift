import CaddyChecker
import DjangoChecker
import DockerChecker
import Foundation
import ReconcileKit

/// Reads the facts of one media chain out of what the Caddy, Docker and Django checkers
/// observed. Pure: unit tests feed it observations recorded from the real services.
enum ChainFacts {
    /// Where Django writes uploads: its default storage's directory, which is MEDIA_ROOT
    /// unless the storage has a location of its own. A storage with no local directory
    /// (S3, any non-FileSystemStorage) or one that cannot be built leaves the link unknown.
    static func mediaRoot(_ django: Result<DjangoObservation, Error>) -> Fact<UploadDirectory> {
        let observation: DjangoObservation
        switch django {
        case .failure(let error): return .unknown("Django's settings were not observed (\(error))")
        case .success(let observed): observation = observed
        }
        guard let introspection = observation.introspection else {
            return .unknown("Django's settings could not be read (\(observation.runner))")
        }
        let mediaRoot: String
        switch observation.value(of: "MEDIA_ROOT") {
        case .string(let path)?: mediaRoot = path
        case let value?: mediaRoot = value.description
        case nil: return .unknown("Django did not report MEDIA_ROOT")
        }
        guard let storage = introspection.storage else {
            return .unknown("Django did not report its default storage, so where uploads go is not known")
        }
        let backend = storage.backend ?? "its default storage"
        if let error = storage.error {
            return .unknown(
                "Django's default storage (\(storage.setting)) could not be built, so uploads fail: \(error.lastLine)"
                    + (error.location.map { " at \($0)" } ?? ""))
        }
        guard let location = storage.location else {
            return .unknown(
                "uploads go to \(backend) (\(storage.setting)), not to a directory: MEDIA_ROOT \(mediaRoot) is not "
                    + "where Django writes them, and this chain cannot carry them")
        }
        if storage.mediaRoot == true { return .observed(UploadDirectory(path: mediaRoot)) }
        return .observed(
            UploadDirectory(path: location, storageSetting: storage.setting, backend: storage.backend, mediaRoot: mediaRoot))
    }

    /// Whether MEDIA_URL resolves through Django's URLconf, and whether only because
    /// DEBUG is on (the route is static()'s).
    static func djangoServesMedia(_ django: Result<DjangoObservation, Error>) -> Fact<DjangoMediaRouting> {
        switch django {
        case .failure(let error):
            return .unknown("Django's URLconf was not observed (\(error))")
        case .success(let observation):
            guard let media = observation.introspection?.media, let resolves = media.resolves else {
                return .unknown("Django could not say whether MEDIA_URL resolves (\(observation.runner))")
            }
            guard resolves else { return .observed(.notRouted) }
            return .observed(media.staticHelper == true ? .onlyUnderDebug : .routed)
        }
    }

    /// The mount at `path` in `container` (nil: nothing is mounted there).
    static func mount(_ docker: Result<DockerObservation, Error>, container: String, path: String) -> Fact<MountFact?> {
        switch docker {
        case .failure(let error):
            return .unknown("the containers were not observed (\(error))")
        case .success(let observation):
            if let problem = observation.problem { return .unknown("the Docker engine could not be observed: \(problem.message)") }
            guard let inspected = observation.container(named: container) else {
                if observation.containers.contains(where: { $0.name == container }) {
                    return .unknown("container \(container) was not inspected: list it under docker.containers")
                }
                return .unknown("there is no container named \(container)")
            }
            guard let mount = inspected.mounts.first(where: { FilesystemPath.same($0.target, path) }) else { return .observed(nil) }
            return .observed(MountFact(type: mount.type, volume: mount.name, source: mount.source))
        }
    }

    /// Where Caddy must find the files: `host_path` when Caddy runs on the host; when it
    /// runs in `caddyContainer`, that container's mount target of the same source.
    static func expectedCaddyRoot(
        _ docker: Result<DockerObservation, Error>, chain: MediaSpec.Chain, backendMount: Fact<MountFact?>
    ) -> Fact<String> {
        guard let caddyContainer = chain.caddyContainer else { return .observed(chain.hostPath) }
        guard case .success(let observation) = docker, let caddy = observation.container(named: caddyContainer) else {
            return .unknown("container \(caddyContainer) (Caddy) was not inspected: list it under docker.containers")
        }
        let source: String
        if case .observed(let mount?) = backendMount { source = mount.source } else { source = chain.hostPath }
        guard let shared = caddy.mounts.first(where: { FilesystemPath.same($0.source, source) }) else {
            return .unknown("container \(caddyContainer) does not mount \(source), so Caddy cannot see the uploads")
        }
        return .observed(shared.target)
    }

    /// The Caddy route that answers a request under `servedAt`.
    static func route(_ caddy: Result<CaddyObservation, Error>, servedAt: String) -> Fact<RouteFact?> {
        let table: CaddyRouteTable
        switch caddy {
        case .failure(let error):
            return .unknown("Caddy's config was not observed (\(error))")
        case .success(let observation):
            switch observation.liveRoutes {
            case .unavailable(let failure): return .unknown("Caddy's admin API gave no config: \(failure.message)")
            case .malformed(let error): return .unknown("Caddy's config could not be read: \(error)")
            case .table(let routes): table = routes
            }
        }
        let request = PathPattern(joined(servedAt, "reconcile-probe"))
        guard
            let route = table.routes.first(where: { route in
                route.answers && route.conditions.isEmpty && route.path.covers(request)
            })
        else { return .observed(nil) }
        var root: String?
        if case .fileServer(let fileRoot) = route.handler { root = fileRoot }
        return .observed(
            RouteFact(
                path: route.path.text, handler: route.handler.name, root: root, stripPrefix: route.stripPrefix,
                baseURL: table.listen(of: route.server).lazy.compactMap(baseURL(listen:)).first,
                host: route.hosts.first, jsonPath: route.rootJSONPath ?? route.routeJSONPath))
    }

    /// `:8080`, `127.0.0.1:8080`, `tcp/[::]:443` → a URL to reach that listener locally.
    static func baseURL(listen: String) -> String? {
        var address = listen
        if let slash = address.firstIndex(of: "/") { address = String(address[address.index(after: slash)...]) }
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            return nil
        }
        var host = String(address[..<colon])
        if host.isEmpty || host == "0.0.0.0" || host == "[::]" || host == "::" { host = "127.0.0.1" }
        return port == 443 ? "https://\(host)" : "http://\(host):\(port)"
    }

    /// `/media/` + `x` → `/media/x`.
    static func joined(_ prefix: String, _ relative: String) -> String {
        (prefix.hasSuffix("/") ? prefix : prefix + "/") + relative
    }
}
