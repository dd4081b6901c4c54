import Foundation
import ReconcileKit

/// Compares the `docker:` section (and the compose file it names) with what the Docker
/// Engine API reports: containers by name (or compose service), their state, health,
/// image, restart policy, published ports, mounts, environment variables (names, and the
/// values the manifest gives), and named volumes.
///
/// It only ever sends GETs (ping, one inspect per desired container, the container list
/// when it is needed, the volume list), so it is read-only whatever the run mode; in
/// dry-run the HTTP client's read-only policy enforces that below this code. An engine that cannot
/// be reached makes every desired resource `unknown`, with the repair (start the
/// daemon, join the docker group, fix DOCKER_HOST), never `ok`.
public struct DockerChecker: Checker {
    public static let identifier = "docker"
    public static let observes = "the Docker Engine API over its socket (API version negotiated), or a compose file in git as desired state"
    public static let reports =
        "containers (state, image, restart policy, health, ports, mounts, env names, and values the manifest gives), volumes; fixes as commands or compose snippets"

    /// Inspections in flight at once: enough to hide the socket's latency, few enough
    /// not to crowd an engine that is also serving production.
    static let inspectConcurrency = 16

    public init() {}

    public func observe(_ spec: DockerSpec, in context: ObservationContext) async throws -> DockerObservation {
        let endpointText = DockerEngineClient.endpointText(manifest: spec.endpoint, environment: context.environment)
        var observation = DockerObservation(endpoint: endpointText)
        if let reference = spec.compose {
            observation.compose = ComposeLoader.load(reference, source: context.source, environment: context.environment)
            context.logger.debug(
                "docker: compose keys not compared: \(ComposeLoader.uncomparedKeys.joined(separator: ", "))")
        }
        let endpoint: HTTPEndpoint
        switch DockerEngineClient.resolveEndpoint(endpointText) {
        case .success(let resolved): endpoint = resolved
        case .failure(let problem):
            observation.problem = problem
            return observation
        }
        let client = DockerEngineClient(endpoint: endpoint, http: context.http)
        do throws(EngineProblem) {
            let engine = try await client.connect()
            observation.engine = engine
            context.logger.debug(
                "docker: \(engine.product) \(engine.version) at \(endpoint), API \(engine.negotiatedVersion) (engine \(engine.minAPIVersion)–\(engine.apiVersion))"
            )
            let version = engine.negotiatedVersion
            async let volumes = Self.volumes(client: client, version: version)
            let desired = Pairing.desiredContainers(spec, compose: observation.compose)
            let valued = Set(desired.flatMap(\.environmentValues.keys))
            let (inspected, problems) = try await Self.containers(
                desired, into: &observation, listing: context.readers != [], client: client, version: version,
                keepingValuesOf: valued)
            Self.registerSecrets(desired, inspected.values, in: context.secrets)
            observation.inspected = inspected
            observation.inspectionProblems = problems
            switch await volumes {
            case .success(let list): observation.volumes = list
            case .failure(let problem): observation.volumeProblem = problem.message
            }
        } catch {
            observation.problem = error
        }
        return observation
    }

    /// The desired containers inspected, by id, and those that could not be, with
    /// `observation.containers` filled for pairing.
    ///
    /// Each is inspected by its name first, as `docker inspect NAME` does. The list
    /// (`docker ps -a`, Podman's slowest answer: more than 200 inspects together) is
    /// asked for meanwhile when `listing` (another checker of the run reads every
    /// container: the host checker their ports), and otherwise only when some desired
    /// container did not answer to exactly its name: absent (its "did you mean" needs
    /// the names), a compose service under another name, an id prefix, an error. Then
    /// the list pairs them, and the containers it pairs that were not inspected yet are.
    static func containers(
        _ desired: [ContainerSpec], into observation: inout DockerObservation, listing: Bool, client: DockerEngineClient,
        version: String, keepingValuesOf valued: Set<String>
    ) async throws(EngineProblem) -> ([String: ContainerObservation], [String: String]) {
        let names = desired.map(\.name)
        let rows: [EngineJSON.ContainerRow]
        let byName: [String: ContainerObservation]
        if listing {
            async let listed = list(client: client, version: version)
            byName = await inspect(names, client: client, version: version, keepingValuesOf: valued).0
            rows = try await listed.get()
        } else {
            byName = await inspect(names, client: client, version: version, keepingValuesOf: valued).0
            if names.allSatisfy({ byName[$0]?.name == $0 }) {
                let found = names.compactMap { byName[$0] }
                observation.containers = found.map(ContainerSummary.init(inspected:))
                return (Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }), [:])
            }
            rows = try await list(client: client, version: version).get()
        }
        observation.containers = rows.map(EngineJSON.summary)
        var ids: [String] = []
        var seen: Set<String> = []
        for container in desired {
            if let id = Pairing.match(container, in: observation.containers)?.id, seen.insert(id).inserted { ids.append(id) }
        }
        let early = Dictionary(byName.values.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let (late, problems) = await inspect(
            ids.filter { early[$0] == nil }, client: client, version: version, keepingValuesOf: valued)
        return (late.merging(ids.compactMap { id in early[id].map { (id, $0) } }) { late, _ in late }, problems)
    }

    public func compare(_ spec: DockerSpec, with observation: DockerObservation) -> [Finding] {
        DockerVerdict.findings(spec, observation)
    }

    /// The desired and the live values of variables whose names (or values) look secret,
    /// for the run's mask: printed output and the journal never show them.
    static func registerSecrets(
        _ desired: [ContainerSpec], _ inspected: some Sequence<ContainerObservation>, in registry: SecretRegistry
    ) {
        for spec in desired {
            for (name, value) in spec.environmentValues where SecretName.hides(name, value) { registry.register(value) }
        }
        for container in inspected {
            for (name, value) in container.environmentValues where SecretName.hides(name, value) { registry.register(value) }
        }
    }

    /// `GET /containers/json?all=1`, its failure as a value (for `async let`).
    static func list(client: DockerEngineClient, version: String) async -> Result<[EngineJSON.ContainerRow], EngineProblem> {
        do throws(EngineProblem) {
            return .success(try await client.get([EngineJSON.ContainerRow].self, "/containers/json?all=1", version: version))
        } catch {
            return .failure(error)
        }
    }

    /// `GET /volumes`, sorted by name, its failure as a value (for `async let`: it is
    /// asked while the containers are inspected).
    static func volumes(client: DockerEngineClient, version: String) async -> Result<[VolumeObservation], EngineProblem> {
        do throws(EngineProblem) {
            let list = try await client.get(EngineJSON.VolumeList.self, "/volumes", version: version)
            return .success((list.Volumes ?? []).map(EngineJSON.volume).sorted { $0.name < $1.name })
        } catch {
            return .failure(error)
        }
    }

    /// Inspects containers concurrently, at most `inspectConcurrency` at a time. A
    /// container that vanished in between (404) or failed is reported per container.
    static func inspect(_ ids: [String], client: DockerEngineClient, version: String, keepingValuesOf valued: Set<String> = [])
        async -> ([String: ContainerObservation], [String: String])
    {
        await withTaskGroup(of: (String, Result<ContainerObservation, EngineProblem>).self) { group in
            var pending = ids[...]
            func addNext() {
                guard let id = pending.popFirst() else { return }
                group.addTask {
                    do throws(EngineProblem) {
                        let inspect = try await client.get(EngineJSON.Inspect.self, "/containers/\(id)/json", version: version)
                        return (id, .success(EngineJSON.observation(inspect, keepingValuesOf: valued)))
                    } catch {
                        return (id, .failure(error))
                    }
                }
            }
            for _ in 0..<inspectConcurrency { addNext() }
            var inspected: [String: ContainerObservation] = [:]
            var problems: [String: String] = [:]
            for await (id, result) in group {
                switch result {
                case .success(let container): inspected[id] = container
                case .failure(let problem): problems[id] = problem.message
                }
                addNext()
            }
            return (inspected, problems)
        }
    }
}
