import ReconcileKit

/// `reconcile discover --docker/--container/--compose-project`: the named containers
/// (or a compose project's, or every container when none is named), inspected by the
/// checker's own `observe`, written back as `docker.containers` with the named volumes
/// they mount.
///
/// Environment variables are written by name only: a value can be a credential under
/// any name (`DATABASE_URL`), and a name that looks secret (`SecretName`) never has its
/// value read at all.
extension DockerChecker: Discovering {
    public func discover(_ request: DiscoveryRequest, earlier: Discoveries, in context: ObservationContext) async throws
        -> DockerObservation?
    {
        guard request.usesDocker else { return nil }
        let named = Self.unique(request.containers + [request.djangoContainer].compactMap { $0 })
        var names = named
        if request.composeProject != nil || named.isEmpty {
            // The list first: which containers the project (or the engine) has.
            let listing = try await observe(DockerSpec(endpoint: request.dockerEndpoint), in: context)
            if listing.problem != nil { return listing }
            let listed = listing.containers.filter { request.composeProject == nil || $0.composeProject == request.composeProject }
            names = Self.unique(names + listed.map(\.name).sorted())
        }
        let spec = DockerSpec(endpoint: request.dockerEndpoint, containers: names.map { ContainerSpec(name: $0) })
        return try await observe(spec, in: context)
    }

    public func describe(_ observation: DockerObservation, request: DiscoveryRequest, earlier: Discoveries)
        -> DiscoveredSection
    {
        if let problem = observation.problem {
            return .unobserved("the Docker engine at \(observation.endpoint): \(problem.message) (\(problem.hint))")
        }
        var gaps: [String] = []
        var uncompared: [String] = []
        var problems: [String] = []
        var items: [YAMLItem] = []
        var volumes: [String] = []
        var listeners: [DiscoveredListener] = []
        let wanted = Self.unique(request.containers + [request.djangoContainer].compactMap { $0 })
        for name in wanted where !observation.containers.contains(where: { $0.name == name }) {
            problems.append("no container named \(name)")
        }
        let inspected = observation.inspected.values.sorted { $0.name < $1.name }
        for (id, reason) in observation.inspectionProblems.sorted(by: { $0.key < $1.key }) {
            problems.append("container \(observation.containers.first { $0.id == id }?.name ?? id) could not be inspected: \(reason)")
        }
        for container in inspected {
            guard Self.isManifestName(container.name) else {
                gaps.append("container \(container.name): its name is not one the manifest accepts")
                continue
            }
            let described = Self.entry(container, gaps: &gaps, uncompared: &uncompared)
            items.append(YAMLItem(.map(described.entries), comments: described.comments))
            for mount in container.mounts where mount.type == "volume" {
                if let name = mount.name, !Self.isAnonymousVolume(name), !volumes.contains(name) { volumes.append(name) }
            }
            listeners += container.ports.compactMap { binding in
                binding.hostPort.map { DiscoveredListener(address: binding.hostIP, port: $0, owner: "container \(container.name)") }
            }
        }
        var entries: [YAMLEntry] = []
        if let endpoint = request.dockerEndpoint { entries.append(YAMLEntry("endpoint", .string(endpoint))) }
        entries.append(YAMLEntry("containers", .list(items)))
        if !volumes.isEmpty {
            let items = volumes.map { Self.volumeItem($0, known: observation.volumes ?? []) }
            entries.append(YAMLEntry("volumes", .list(items), comments: ["the named volumes these containers mount"]))
        }
        let scope =
            request.composeProject.map { "the containers of compose project \($0)" + (wanted.isEmpty ? "" : " and those named") }
            ?? (wanted.isEmpty ? "every container of the engine (none was named)" : "the containers named")
        return DiscoveredSection(
            value: .map(entries),
            comments: [
                "Docker: \(scope), as the engine at \(observation.endpoint) reports them.",
                "Environment variables are listed by name only; add NAME: value pairs to compare values you choose.",
            ],
            gaps: gaps, uncompared: uncompared, problems: problems, listeners: listeners)
    }

    /// One container as a `docker.containers[]` entry, with its comments.
    static func entry(_ container: ContainerObservation, gaps: inout [String], uncompared: inout [String])
        -> (entries: [YAMLEntry], comments: [String])
    {
        var entries = [YAMLEntry("name", .string(container.name))]
        var comments: [String] = []
        if let state = ContainerState(rawValue: container.state), state != .removing {
            entries.append(YAMLEntry("state", .string(state.rawValue)))
        } else {
            gaps.append("container \(container.name): its state \(container.state) is not one a manifest can ask for")
        }
        entries.append(YAMLEntry("image", .string(container.image)))
        entries.append(YAMLEntry("restart_policy", .string(container.restartPolicy.description)))
        entries.append(YAMLEntry("ports", .strings(container.ports.sorted().map(\.description))))
        var mounts: [YAMLItem] = []
        for mount in container.mounts.sorted(by: { $0.target < $1.target }) {
            var fields: [YAMLEntry]
            switch mount.type {
            case "volume" where mount.name.map(isAnonymousVolume) ?? true:
                // Docker's `-v TARGET` form: any volume at the target, never the engine-made name.
                mounts.append(
                    YAMLItem(
                        .string(mount.target),
                        comments: ["an anonymous volume: any volume here (the engine names it anew for each container it creates)"]))
                if mount.readOnly {
                    uncompared.append(
                        "container \(container.name): the anonymous volume at \(mount.target) is mounted read-only, "
                            + "which its /TARGET form does not say")
                }
                continue
            case "volume" where mount.name != nil:
                fields = [YAMLEntry("volume", .string(mount.name!))]
            case "bind":
                fields = [YAMLEntry("source", .string(mount.source))]
            default:
                gaps.append("container \(container.name): the \(mount.type) mount at \(mount.target) has no manifest form")
                continue
            }
            fields.append(YAMLEntry("target", .string(mount.target)))
            fields.append(YAMLEntry("read_only", .bool(mount.readOnly)))
            mounts.append(YAMLItem(.map(fields), comments: mount.type == "volume" ? ["on the host at \(mount.source)"] : []))
        }
        entries.append(YAMLEntry("mounts", .list(mounts)))
        if !container.environmentNames.isEmpty {
            entries.append(YAMLEntry("environment", .strings(container.environmentNames.sorted())))
        }
        if let project = container.composeProject {
            entries.append(YAMLEntry("compose_project", .string(project)))
            comments.append("service \(container.composeService ?? "?") of compose project \(project)")
        }
        if let health = container.health {
            comments.append(
                health.status == "healthy" || health.status == "none"
                    ? "its health check reports \(health.status)"
                    : "CONFIRM: its health check reports \(health.status): a dry run reports that as drift (or unknown while starting)")
        }
        return (entries, comments)
    }

    /// A named volume as a `docker.volumes[]` entry, its host directory in a comment.
    static func volumeItem(_ name: String, known: [VolumeObservation]) -> YAMLItem {
        var fields = [YAMLEntry("name", .string(name))]
        guard let volume = known.first(where: { $0.name == name }) else { return YAMLItem(.map(fields)) }
        if !volume.driver.isEmpty { fields.append(YAMLEntry("driver", .string(volume.driver))) }
        return YAMLItem(.map(fields), comments: ["on the host at \(volume.mountpoint)"])
    }

    /// A volume the engine created without a name (`-v /data`, an image's `VOLUME`): Docker
    /// and Podman name those with 64 random hex digits (Podman's Docker API marks them no
    /// other way), which a recreated container does not get again.
    static func isAnonymousVolume(_ name: String) -> Bool {
        name.utf8.count == 64 && name.allSatisfy { $0.isASCII && $0.isHexDigit && !$0.isUppercase }
    }

    /// A name `docker.containers[].name` accepts.
    static func isManifestName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, "_.-".unicodeScalars.contains(first) == false else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
        }
    }

    static func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
