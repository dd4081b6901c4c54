import ReconcileKit

/// The pure half of the Docker checker: desired containers and volumes against what the
/// engine reported, one finding per divergence (or one `ok` per resource in sync), each
/// with the command or compose snippet that repairs it.
enum DockerVerdict {
    static let checker = "docker"

    static func findings(_ spec: DockerSpec, _ observation: DockerObservation) -> [Finding] {
        var findings: [Finding] = []
        let compose = observation.compose
        if let compose, let problem = compose.problem {
            findings.append(
                Finding(
                    checker: checker, resource: compose.file, status: .unknown, severity: .error,
                    message: "the compose file could not be used as desired state: \(problem)",
                    fix: Fix(summary: "Fix docker.compose in the manifest or the compose file at this ref."),
                    position: spec.compose?.position))
        }
        findings += (compose?.refusals ?? []).map { refusal(compose?.file ?? "compose", $0) }
        let containers = Pairing.desiredContainers(spec, compose: compose)
        let volumes = Pairing.desiredVolumes(spec, compose: compose)

        if let problem = observation.problem {
            let unobservable = { (resource: String, position: SourcePosition) in
                Finding(
                    checker: checker, resource: resource, status: .unknown, severity: .error,
                    observed: "\(problem.kind.rawValue): \(problem.message)",
                    message: "could not observe the Docker engine at \(observation.endpoint): \(problem.message)",
                    fix: Fix(summary: problem.hint), position: position)
            }
            let resources = containers.map { ($0.name, $0.position) } + volumes.map { ("volume \($0.name)", $0.position) }
            if resources.isEmpty { return findings + [unobservable(checker, spec.position)] }
            return findings + resources.map(unobservable)
        }

        for container in containers {
            findings += judge(container, observation)
        }
        for volume in volumes {
            findings.append(judge(volume, observation))
        }
        return findings
    }

    /// Something `docker compose` refuses in the compose file: the next deploy fails,
    /// whatever runs now.
    static func refusal(_ file: String, _ refusal: ComposeObservation.Refusal) -> Finding {
        Finding(
            checker: checker, resource: file, status: .drift, severity: .error,
            expected: "a compose file docker compose accepts", observed: refusal.message,
            message: "docker compose would refuse \(file): \(refusal.message) [\(refusal.rule)]",
            fix: Fix(
                summary: "Fix \(file) at \(refusal.position.line):\(refusal.position.column): until then `docker compose up` "
                    + "fails on it (reconcile validate reports the same)."),
            position: refusal.position)
    }

    // MARK: Containers

    static func judge(_ desired: ContainerSpec, _ observation: DockerObservation) -> [Finding] {
        guard let summary = Pairing.match(desired, in: observation.containers) else {
            return [missing(desired, observation)]
        }
        let spec = desired.resolvingRelativeBinds(against: observation.inspected[summary.id]?.composeWorkingDir)
        guard let container = observation.inspected[summary.id] else {
            let reason = observation.inspectionProblems[summary.id] ?? "it was not inspected"
            return [
                Finding(
                    checker: checker, resource: spec.name, status: .unknown, severity: .error,
                    observed: "listed as \(summary.name) (\(summary.state))",
                    message: "the container is listed but could not be inspected: \(reason)",
                    position: spec.position)
            ]
        }
        var drifts: [Finding] = []
        let context = FixContext(
            spec: spec, container: container,
            fileSpec: Pairing.composeSpec(of: spec, in: observation.compose)?.resolvingRelativeBinds(
                against: container.composeWorkingDir))
        if let state = stateDrift(spec, container, context) { drifts.append(state) }
        if let health = healthDrift(spec, container, context) { drifts.append(health) }
        if let image = imageDrift(spec, container, context) { drifts.append(image) }
        if let policy = restartDrift(spec, container, context) { drifts.append(policy) }
        if let ports = portsDrift(spec, container, context) { drifts.append(ports) }
        if let mounts = mountsDrift(spec, container, context) { drifts.append(mounts) }
        if let environment = environmentDrift(spec, container, context) { drifts.append(environment) }
        if let project = projectDrift(spec, container, context) { drifts.append(project) }
        if !drifts.isEmpty { return drifts }

        var observed = describeState(container)
        if let health = container.health { observed += ", \(health.status)" }
        var notes = spec.notes
        if spec.mounts?.contains(where: { $0.relativeSource != nil }) == true {
            notes.append(
                "relative bind sources (the container has no compose working_dir label: set docker.compose.project_directory)")
        }
        let note = notes.isEmpty ? "" : " (not compared: \(notes.joined(separator: "; ")))"
        let renamed = container.name == spec.name ? "" : " as \(container.name)"
        return [
            Finding(
                checker: checker, resource: spec.name, status: .ok, expected: expectedSummary(spec),
                observed: observed, message: "\(describeState(container))\(renamed), as desired\(note)",
                position: spec.position)
        ]
    }

    static func missing(_ spec: ContainerSpec, _ observation: DockerObservation) -> Finding {
        let suggestion =
            Pairing.closestName(to: spec.name, among: observation.containers)
            .map { "; did you mean '\($0)'?" } ?? ""
        let how = spec.composeProject.map { " (nor a container of compose project \($0), service \(spec.serviceName))" } ?? ""
        return Finding(
            checker: checker, resource: spec.name, status: .drift, severity: .critical,
            expected: expectedSummary(spec), observed: "no such container",
            message: "no container named \(spec.name)\(how)\(suggestion)",
            fix: Fixes.create(spec), position: spec.position)
    }

    static func stateDrift(_ spec: ContainerSpec, _ container: ContainerObservation, _ context: FixContext) -> Finding? {
        guard let wanted = spec.state, wanted.rawValue != container.state else { return nil }
        let observed = describeState(container)
        var finding = Finding(
            checker: checker, resource: spec.name, status: .drift, severity: wanted == .running ? .critical : .error,
            expected: wanted.rawValue, observed: observed, message: "is \(observed), expected \(wanted.rawValue)",
            position: spec.position(of: "state"))
        finding.fix = Fixes.state(wanted: wanted, container: container, context: context)
        return finding
    }

    static func healthDrift(_ spec: ContainerSpec, _ container: ContainerObservation, _ context: FixContext) -> Finding? {
        guard let health = container.health else {
            guard spec.expectsHealthcheck else { return nil }
            return Finding(
                checker: checker, resource: spec.name, status: .drift, severity: .warning,
                expected: "a health check", observed: "no health check",
                message: "has no health check, but its compose service defines one",
                fix: Fixes.recreate(
                    context, because: "a container's health check is fixed when it is created",
                    snippet: nil),
                position: spec.position)
        }
        switch health.status {
        case "unhealthy":
            let output = health.lastFailureOutput.map { $0.isEmpty ? "" : ": \"\($0)\"" } ?? ""
            let code = health.lastFailureExitCode.map { " (exit \($0))" } ?? ""
            return Finding(
                checker: checker, resource: spec.name, status: .drift, severity: .critical, expected: "healthy",
                observed: "unhealthy, \(health.failingStreak) failing check(s) in a row\(code)\(output)",
                message: "its health check fails\(code)\(output)",
                fix: Fix(
                    summary: "The container runs but its own health check fails: read the check's output and the "
                        + "application's log, fix the cause, then restart it (non-destructive).",
                    snippet: "docker inspect --format '{{json .State.Health}}' \(container.name)\n"
                        + "docker logs --tail 100 \(container.name)\n"
                        + "docker restart \(container.name)   # after fixing the cause",
                    language: "shell"),
                position: spec.position)
        case "starting" where spec.state == nil || spec.state == .running:
            return Finding(
                checker: checker, resource: spec.name, status: .unknown, severity: .warning, expected: "healthy",
                observed: "starting",
                message: "its health check has not passed yet (starting): health cannot be confirmed",
                fix: Fix(summary: "Run reconcile again once the container's start period is over."),
                position: spec.position)
        default:
            return nil
        }
    }

    static func imageDrift(_ spec: ContainerSpec, _ container: ContainerObservation, _ context: FixContext) -> Finding? {
        guard let wanted = spec.image,
            !ImageReference.matches(desired: wanted, observed: container.image, imageID: container.imageID)
        else { return nil }
        let id = container.imageID.hasPrefix("sha256:") ? String(container.imageID.dropFirst(7).prefix(12)) : ""
        let observed = container.image + (id.isEmpty ? "" : " (\(id))")
        return Finding(
            checker: checker, resource: spec.name, status: .drift, severity: .error, expected: wanted,
            observed: observed, message: "runs image \(container.image), expected \(wanted)",
            fix: Fixes.recreate(
                context, because: "a container's image is fixed when it is created",
                snippet: context.isCompose ? "services:\n  \(spec.serviceName):\n    image: \(wanted)" : nil,
                pull: wanted,
                fileAlreadySays: context.fileSays {
                    $0.image.map { ImageReference.normalised($0) == ImageReference.normalised(wanted) } ?? false
                }),
            position: spec.position(of: "image"))
    }

    static func restartDrift(_ spec: ContainerSpec, _ container: ContainerObservation, _ context: FixContext) -> Finding? {
        guard let wanted = spec.restartPolicy, !wanted.isSatisfied(by: container.restartPolicy) else { return nil }
        let observed = container.restartPolicyRaw ?? container.restartPolicy.description
        let update = "docker update --restart=\(wanted) \(container.name)"
        let fix: Fix
        if context.isCompose && context.fileSays({ $0.restartPolicy == wanted }) {
            fix = Fix(
                summary: "The compose file already says restart: \(wanted); apply it now without recreating the "
                    + "container: \(update)",
                snippet: update, language: "shell")
        } else if context.isCompose {
            fix = Fix(
                summary: "Set restart: \(wanted) for the service, and apply it now without recreating the "
                    + "container: \(update)",
                snippet: "services:\n  \(spec.serviceName):\n    restart: \(wanted)", language: "yaml")
        } else {
            fix = Fix(
                summary: "Change the policy in place (non-destructive; the container keeps running).",
                snippet: update, language: "shell")
        }
        return Finding(
            checker: checker, resource: spec.name, status: .drift, severity: .error, expected: wanted.description,
            observed: observed, message: "restart policy is \(observed), expected \(wanted)", fix: fix,
            position: spec.position(of: "restart_policy"))
    }

    static func portsDrift(_ spec: ContainerSpec, _ container: ContainerObservation, _ context: FixContext) -> Finding? {
        guard let wanted = spec.ports else { return nil }
        let missing = wanted.filter { binding in !container.ports.contains { binding.isSatisfied(by: $0) } }
        let extra = container.ports.filter { observed in !wanted.contains { $0.isSatisfied(by: observed) } }
        guard !missing.isEmpty || !extra.isEmpty else { return nil }
        if container.usesHostNetwork && !context.fileSays({ $0.ports != nil }) {
            return hostNetworkPorts(spec, missing, wanted)
        }
        var problems: [String] = []
        var exposedWider = false
        for binding in missing {
            if let other = extra.first(where: { $0.containerPort == binding.containerPort && $0.proto == binding.proto }) {
                let wide = other.hostIP == nil ? " on every interface" : ""
                problems.append(
                    "container port \(binding.containerPort) is published\(wide) as \(other), expected \(binding)")
                if binding.hostIP != nil && other.hostIP == nil { exposedWider = true }
            } else {
                problems.append("\(binding) is not published")
            }
        }
        let explained = Set(missing.map { "\($0.containerPort)/\($0.proto)" })
        for binding in extra where !explained.contains("\(binding.containerPort)/\(binding.proto)") {
            let wide = binding.hostIP == nil ? " on every interface" : ""
            problems.append("\(binding) is published\(wide) but not in the manifest")
            if binding.hostIP == nil { exposedWider = true }
        }
        let because =
            exposedWider
            ? "a port is reachable on every interface where the manifest allows less; ports are fixed when a container is created"
            : "published ports are fixed when a container is created"
        let list = wanted.map { "      - \"\($0)\"" }.joined(separator: "\n")
        return Finding(
            checker: checker, resource: spec.name, status: .drift, severity: exposedWider ? .critical : .error,
            expected: expectedPorts(wanted),
            observed: container.ports.isEmpty ? "no published ports" : container.ports.map(\.description).joined(separator: ", "),
            message: problems.joined(separator: "; "),
            fix: Fixes.recreate(
                context, because: because,
                snippet: context.isCompose
                    ? "services:\n  \(spec.serviceName):\n    ports:\n" + (list.isEmpty ? "      []" : list) : nil,
                fileAlreadySays: context.fileSays { $0.ports.map { Set($0) == Set(wanted) } ?? false }),
            position: spec.position(of: "ports"))
    }

    /// Ports wanted of a container on the host's network: the engine discards published
    /// ports there, and a recreate keeps the network, so the only fixes are the manifest's
    /// or the container's network (a compose file that publishes them recreates it off
    /// the host's network: that case is an ordinary recreate).
    static func hostNetworkPorts(_ spec: ContainerSpec, _ missing: [PortBinding], _ wanted: [PortBinding]) -> Finding {
        Finding(
            checker: checker, resource: spec.name, status: .drift, severity: .error, expected: expectedPorts(wanted),
            observed: "no published ports (network mode host)",
            message: "the container uses the host's network, where the engine discards published ports: "
                + missing.map(\.description).joined(separator: ", ") + " cannot be published",
            fix: Fix(summary: hostNetworkFix), position: spec.position(of: "ports"))
    }

    /// Why no recreate publishes a port on the host's network, and what does.
    static let hostNetworkFix =
        "On the host's network a container has no ports to publish: its process listens on the host's own ports, "
        + "and a recreate keeps the network. Remove ports: from the manifest (say the port with host: listen: "
        + "instead), or recreate the container on a bridge network (without --network host) to publish it."

    static func mountsDrift(_ spec: ContainerSpec, _ container: ContainerObservation, _ context: FixContext) -> Finding? {
        guard let wanted = spec.mounts else { return nil }
        var problems: [String] = []
        var wrong: [MountSpec] = []
        for mount in wanted {
            guard let observed = container.mounts.first(where: { $0.target == mount.target }) else {
                problems.append("nothing is mounted at \(mount.target) (expected \(mount))")
                wrong.append(mount)
                continue
            }
            if let difference = difference(mount, observed) {
                problems.append("at \(mount.target): \(difference)")
                wrong.append(mount)
            }
        }
        guard !problems.isEmpty else { return nil }
        let relevant = container.mounts.filter { observed in wanted.contains { $0.target == observed.target } }
        let snippet = composeMountsSnippet(wrong, service: spec.serviceName, project: spec.composeProject)
        return Finding(
            checker: checker, resource: spec.name, status: .drift, severity: .error,
            expected: expectedMounts(wanted),
            observed: relevant.isEmpty ? "no such mounts" : relevant.map(\.description).joined(separator: ", "),
            message: problems.joined(separator: "; "),
            fix: Fixes.recreate(
                context, because: "mounts are fixed when a container is created; data in named volumes is kept",
                snippet: snippet, fileAlreadySays: context.fileSays { file in wrong.allSatisfy { file.mounts?.contains($0) == true } }),
            position: spec.position(of: "mounts"))
    }

    /// The compose file's lines that mount `mounts` in `service`, with the named volumes
    /// declared (compose refuses an undeclared one).
    static func composeMountsSnippet(_ mounts: [MountSpec], service: String, project: String?) -> String {
        let entries = mounts.map { "      - \(composeMount($0, project: project))" }.joined(separator: "\n")
        let namedVolumes = mounts.compactMap { mount -> String? in
            if case .volume(let name) = mount.source { return name }
            return nil
        }
        var snippet = "services:\n  \(service):\n    volumes:\n\(entries)"
        if !namedVolumes.isEmpty {
            snippet +=
                "\nvolumes:\n" + namedVolumes.map { "  \(composeVolumeKey($0, project: project)): {}" }.joined(separator: "\n")
        }
        return snippet
    }

    /// A ports finding's `expected` (also how a recreate finds the findings it answers).
    static func expectedPorts(_ wanted: [PortBinding]) -> String {
        wanted.isEmpty ? "no published ports" : wanted.map(\.description).joined(separator: ", ")
    }

    /// A mounts finding's `expected`.
    static func expectedMounts(_ wanted: [MountSpec]) -> String { wanted.map(\.description).joined(separator: ", ") }

    /// What differs between a desired mount and the one at the same target; nil if it
    /// satisfies it.
    static func difference(_ mount: MountSpec, _ observed: MountObservation) -> String? {
        switch mount.source {
        case .volume(let name):
            guard observed.type == "volume" else { return "a \(observed.type) of \(observed.source), expected volume \(name)" }
            guard observed.name == name else { return "volume \(observed.name ?? "(anonymous)"), expected volume \(name)" }
        case .anonymousVolume:
            guard observed.type == "volume" else { return "a \(observed.type) of \(observed.source), expected a volume" }
        case .bind(let path):
            guard observed.type == "bind" else {
                return "\(observed.type) \(observed.name ?? observed.source), expected a bind mount of \(path ?? "a host path")"
            }
            if let path, MountSpec.normalisedPath(observed.source) != path {
                return "bind of \(observed.source), expected \(path)"
            }
        case .tmpfs:
            guard observed.type == "tmpfs" else { return "a \(observed.type), expected tmpfs" }
        }
        if let readOnly = mount.readOnly, readOnly != observed.readOnly {
            return readOnly ? "mounted read-write, expected read-only" : "mounted read-only, expected read-write"
        }
        return nil
    }

    /// Variables that must be set, and the values the manifest gives, against the
    /// container's. A value whose name looks secret is compared but never shown.
    static func environmentDrift(_ spec: ContainerSpec, _ container: ContainerObservation, _ context: FixContext) -> Finding? {
        guard let wanted = spec.environment else { return nil }
        let present = Set(container.environmentNames)
        let missing = wanted.filter { !present.contains($0) }
        let different = wanted.filter { name in
            guard present.contains(name), let value = spec.environmentValues[name] else { return false }
            return container.environmentValues[name] != value
        }
        guard !missing.isEmpty || !different.isEmpty else { return nil }
        var observed: [String] = []
        var problems: [String] = []
        if !missing.isEmpty {
            observed.append("not set: \(missing.joined(separator: ", "))")
            problems.append("environment variable(s) \(missing.joined(separator: ", ")) not set in the container")
        }
        for name in different {
            let live = container.environmentValues[name] ?? ""
            observed.append("\(name)=\(shownValue(name, live))")
            problems.append(
                SecretName.hides(name, live, spec.environmentValues[name])
                    ? "\(name) differs from the manifest's value (not shown: it looks secret)"
                    : "\(name) is \(shownValue(name, live)), expected \(shownValue(name, spec.environmentValues[name] ?? ""))")
        }
        // A secret's value stays out of the snippet: compose takes ${NAME} from the shell.
        let entries = (missing + different).map { name in
            let value =
                SecretName.hides(name, spec.environmentValues[name]) && spec.environmentValues[name] != nil
                ? "${\(name)}" : shownValue(name, spec.environmentValues[name])
            return "      \(name): \(value)"
        }.joined(separator: "\n")
        let namesOnly = spec.environmentValues.isEmpty ? " (the manifest names them only: values are not compared)" : ""
        return Finding(
            checker: checker, resource: spec.name, status: .drift, severity: .error,
            expected: expectedEnvironment(spec), observed: observed.joined(separator: "; "),
            message: problems.joined(separator: "; ") + namesOnly,
            fix: Fixes.recreate(
                context, because: "a container's environment is fixed when it is created",
                snippet: "services:\n  \(spec.serviceName):\n    environment:\n\(entries)",
                fileAlreadySays: context.fileSays { file in
                    missing.allSatisfy { file.environment?.contains($0) == true }
                        && different.allSatisfy { file.environmentValues[$0] == spec.environmentValues[$0] }
                }),
            position: spec.position(of: "environment"))
    }

    /// An environment finding's `expected`: the names, or NAME=value pairs (a secret's
    /// value as `***`).
    static func expectedEnvironment(_ spec: ContainerSpec) -> String {
        let names = spec.environment ?? []
        guard !spec.environmentValues.isEmpty else { return "variables set: \(names.joined(separator: ", "))" }
        return names.map { "\($0)=\(shownValue($0, spec.environmentValues[$0]))" }.joined(separator: ", ")
    }

    /// A variable's value as reports show it: quoted, `***` when its name or the value
    /// itself looks secret, `"…"` when there is none to show.
    static func shownValue(_ name: String, _ value: String?) -> String {
        guard let value else { return "\"…\"" }
        return SecretName.hides(name, value) ? Redaction.mask : "\"\(value)\""
    }

    static func projectDrift(_ spec: ContainerSpec, _ container: ContainerObservation, _ context: FixContext) -> Finding? {
        guard let project = spec.composeProject, container.composeProject != project else { return nil }
        let observed = container.composeProject.map { "compose project \($0)" } ?? "not created by compose"
        return Finding(
            checker: checker, resource: spec.name, status: .drift, severity: .warning,
            expected: "compose project \(project)", observed: observed,
            message: "is \(observed), expected to belong to compose project \(project)",
            fix: Fix(
                summary: "Let compose own it: remove the stray container (DESTRUCTIVE: its writable layer is lost; "
                    + "named volumes are kept), then create it with compose.",
                snippet: "docker rm -f \(container.name)   # destructive\n"
                    + "docker compose -p \(project) up -d \(spec.serviceName)",
                language: "shell"),
            position: spec.position(of: "compose_project"))
    }

    // MARK: Volumes

    static func judge(_ spec: VolumeSpec, _ observation: DockerObservation) -> Finding {
        let resource = "volume \(spec.name)"
        guard let volumes = observation.volumes else {
            return Finding(
                checker: checker, resource: resource, status: .unknown, severity: .error,
                message: "volumes could not be listed: \(observation.volumeProblem ?? "unknown reason")",
                position: spec.position)
        }
        guard let volume = volumes.first(where: { $0.name == spec.name }) else {
            let suggestion = Suggestions.closest(to: spec.name, among: volumes.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
            let driver = spec.driver.map { " --driver \($0)" } ?? ""
            return Finding(
                checker: checker, resource: resource, status: .drift, severity: .error, expected: "exists",
                observed: "no such volume", message: "volume \(spec.name) does not exist\(suggestion)",
                fix: Fix(
                    summary: "Create it (non-destructive), or declare it in the compose file's top-level volumes: "
                        + "so docker compose up creates it.",
                    snippet: "docker volume create\(driver) \(spec.name)", language: "shell"),
                position: spec.position)
        }
        if let driver = spec.driver, driver != volume.driver {
            return Finding(
                checker: checker, resource: resource, status: .drift, severity: .error, expected: "driver \(driver)",
                observed: "driver \(volume.driver)", message: "volume \(spec.name) uses driver \(volume.driver), expected \(driver)",
                fix: Fix(
                    summary: "A volume's driver cannot change: create a new volume with driver \(driver) and copy the "
                        + "data over (removing the old one is DESTRUCTIVE: back it up first)."),
                position: spec.position)
        }
        return Finding(
            checker: checker, resource: resource, status: .ok, expected: "exists",
            observed: "\(volume.driver) volume at \(volume.mountpoint)", message: "exists", position: spec.position)
    }

    // MARK: Descriptions

    /// `running`, `exited (code 137, OOM killed)`, `created (never started)`.
    static func describeState(_ container: ContainerObservation) -> String {
        switch container.state {
        case "exited":
            var details = ["code \(container.exitCode)"]
            if container.oomKilled { details.append("OOM killed") }
            if let error = container.error { details.append(error) }
            return "exited (\(details.joined(separator: ", ")))"
        case "created":
            return container.error.map { "created (failed to start: \($0))" } ?? "created (never started)"
        default:
            return container.state
        }
    }

    /// The desired shape in one line, for `expected`.
    static func expectedSummary(_ spec: ContainerSpec) -> String {
        var parts: [String] = [spec.state?.rawValue ?? "exists"]
        if let image = spec.image { parts.append("image \(image)") }
        if let policy = spec.restartPolicy { parts.append("restart \(policy)") }
        if let ports = spec.ports, !ports.isEmpty { parts.append("ports \(ports.map(\.description).joined(separator: ", "))") }
        if let mounts = spec.mounts, !mounts.isEmpty { parts.append("mounts \(mounts.map(\.description).joined(separator: ", "))") }
        return parts.joined(separator: ", ")
    }

    /// A mount in compose's short syntax (named volumes by their compose key).
    static func composeMount(_ mount: MountSpec, project: String?) -> String {
        switch mount.source {
        case .volume(let name):
            return "\(composeVolumeKey(name, project: project)):\(mount.target)" + (mount.readOnly == true ? ":ro" : "")
        case .anonymousVolume:
            return mount.target
        case .bind(let path):
            return "\(path ?? "./HOST_PATH"):\(mount.target)" + (mount.readOnly == true ? ":ro" : "")
        case .tmpfs:
            return "{ type: tmpfs, target: \(mount.target) }"
        }
    }

    /// Compose prefixes volume names with the project; the compose file's key is the
    /// name without it.
    static func composeVolumeKey(_ name: String, project: String?) -> String {
        guard let project, name.hasPrefix("\(project)_") else { return name }
        return String(name.dropFirst(project.count + 1))
    }
}
