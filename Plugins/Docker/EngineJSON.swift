import Foundation
import ReconcileKit

/// The Docker Engine API's JSON, as far as reconcile reads it. Every field is optional:
/// engines differ (Podman leaves some out, Docker omits `State.Health` without a health
/// check), and a missing field must become "not reported", never a decoding failure.
enum EngineJSON {
    static let composeProjectLabel = "com.docker.compose.project"
    static let composeServiceLabel = "com.docker.compose.service"
    /// The project directory `docker compose` ran in, which its relative bind sources are relative to.
    static let composeWorkingDirLabel = "com.docker.compose.project.working_dir"

    /// `GET /version`.
    struct Version: Decodable {
        struct Component: Decodable {
            let Name: String?
            let Version: String?
        }

        let Version: String?
        let ApiVersion: String?
        let MinAPIVersion: String?
        let Components: [Component]?
        let Platform: [String: String]?
    }

    /// A row of `GET /containers/json?all=1`.
    struct ContainerRow: Decodable {
        /// One entry of `Ports`: a published port (`PublicPort` set) or only an exposed one.
        struct Port: Decodable {
            let IP: String?
            let PrivatePort: Int?
            let PublicPort: Int?
            let `Type`: String?
        }

        let Id: String
        let Names: [String]?
        let Image: String?
        let State: String?
        let Labels: [String: String]?
        let Ports: [Port]?
    }

    /// `GET /containers/{id}/json`.
    struct Inspect: Decodable {
        struct State: Decodable {
            struct Health: Decodable {
                struct Entry: Decodable {
                    let ExitCode: Int?
                    let Output: String?
                }

                let Status: String?
                let FailingStreak: Int?
                let Log: [Entry]?
            }

            let Status: String?
            let ExitCode: Int?
            let OOMKilled: Bool?
            let Error: String?
            let Health: Health?
        }

        struct Config: Decodable {
            struct Healthcheck: Decodable {
                let Test: [String]?
            }

            let Image: String?
            let Env: [String]?
            let Labels: [String: String]?
            let Healthcheck: Healthcheck?
            let Cmd: Words?
            let Entrypoint: Words?
            let User: String?
            let WorkingDir: String?
            let Hostname: String?
        }

        struct HostConfig: Decodable {
            struct RestartPolicy: Decodable {
                let Name: String?
                let MaximumRetryCount: Int?
            }

            struct Ulimit: Decodable {
                let Name: String?
                let Soft: Int?
                let Hard: Int?
            }

            let RestartPolicy: RestartPolicy?
            let AutoRemove: Bool?
            let PortBindings: [String: [PortBindingJSON]?]?
            let NetworkMode: String?
            let Ulimits: [Ulimit]?
        }

        struct NetworkSettings: Decodable {
            let Ports: [String: [PortBindingJSON]?]?
        }

        struct Mount: Decodable {
            let `Type`: String?
            let Name: String?
            let Source: String?
            let Destination: String?
            let RW: Bool?
        }

        let Id: String
        let Name: String?
        let Image: String?
        let State: State?
        let Config: Config?
        let HostConfig: HostConfig?
        let NetworkSettings: NetworkSettings?
        let Mounts: [Mount]?
    }

    /// `Cmd` and `Entrypoint`: a list, though an engine may send one string (Docker's
    /// `StrSlice` accepts both) or null.
    struct Words: Decodable {
        let words: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([String].self) {
                words = list
            } else {
                words = (try? container.decode(String.self)).map { [$0] } ?? []
            }
        }
    }

    struct PortBindingJSON: Decodable {
        let HostIp: String?
        let HostPort: String?
    }

    /// `GET /volumes`.
    struct VolumeList: Decodable {
        struct Volume: Decodable {
            let Name: String
            let Driver: String?
            let Mountpoint: String?
            let Labels: [String: String]?
        }

        let Volumes: [Volume]?
    }

    /// The engine's `{"message": …}` error body.
    struct ErrorBody: Decodable {
        let message: String?
    }

    /// `POST /containers/{name}/exec`'s body.
    struct ExecCreate: Encodable {
        let AttachStdin: Bool
        let AttachStdout: Bool
        let AttachStderr: Bool
        let Tty: Bool
        let Cmd: [String]
        let Env: [String]
        let WorkingDir: String?
    }

    /// `POST /exec/{id}/start`'s body.
    struct ExecStart: Encodable {
        let Detach: Bool
        let Tty: Bool
    }

    /// The answer of a create call: `{"Id": …}`.
    struct IdResponse: Decodable {
        let Id: String
    }

    /// `GET /exec/{id}/json`, the fields read.
    struct ExecInspect: Decodable {
        let Running: Bool?
        let ExitCode: Int?
    }

    // MARK: Conversions (pure)

    static func summary(_ row: ContainerRow) -> ContainerSummary {
        ContainerSummary(
            id: row.Id, name: containerName(row.Names?.first ?? row.Id), state: row.State ?? "unknown",
            image: row.Image ?? "", composeProject: row.Labels?[composeProjectLabel],
            composeService: row.Labels?[composeServiceLabel], ports: publishedPorts(row.Ports))
    }

    /// The published ports of a list row (exposed-only ports have no `PublicPort`);
    /// Docker lists an all-interfaces binding once per address family, normalising makes
    /// them one.
    static func publishedPorts(_ ports: [ContainerRow.Port]?) -> [PortBinding] {
        distinctSorted(
            (ports ?? []).compactMap { port in
                guard let hostPort = port.PublicPort, let containerPort = port.PrivatePort else { return nil }
                return PortBinding(hostIP: port.IP, hostPort: hostPort, containerPort: containerPort, proto: port.Type ?? "tcp")
            })
    }

    /// Each binding once (the first of equal ones), sorted.
    static func distinctSorted(_ bindings: [PortBinding]) -> [PortBinding] {
        var result: [PortBinding] = []
        for binding in bindings where !result.contains(binding) { result.append(binding) }
        return result.sorted()
    }

    /// nil for an empty string, which engines send for "not set".
    static func nonEmpty(_ text: String?) -> String? { text?.isEmpty == false ? text : nil }

    /// `valued`: the variables whose values the manifest compares (no other value is kept).
    static func observation(_ inspect: Inspect, keepingValuesOf valued: Set<String> = []) -> ContainerObservation {
        let state = inspect.State
        let labels = inspect.Config?.Labels ?? [:]
        let policyName = inspect.HostConfig?.RestartPolicy?.Name ?? ""
        // Docker says "no", Podman says "" for the same default.
        let policy = RestartPolicy(parsing: policyName.isEmpty ? "no" : policyName)
        var restart = policy ?? RestartPolicy(.no)
        if restart.name == .onFailure { restart.maximumRetryCount = inspect.HostConfig?.RestartPolicy?.MaximumRetryCount }
        return ContainerObservation(
            id: inspect.Id, name: containerName(inspect.Name ?? inspect.Id), state: state?.Status ?? "unknown",
            exitCode: state?.ExitCode ?? 0, oomKilled: state?.OOMKilled ?? false,
            error: nonEmpty(state?.Error),
            image: inspect.Config?.Image ?? inspect.Image ?? "", imageID: inspect.Image ?? "",
            restartPolicy: restart, restartPolicyRaw: policy == nil ? policyName : nil,
            health: health(state?.Health, healthcheck: inspect.Config?.Healthcheck),
            ports: ports(configured: inspect.HostConfig?.PortBindings, actual: inspect.NetworkSettings?.Ports),
            mounts: (inspect.Mounts ?? []).map { mount in
                MountObservation(
                    type: mount.Type ?? "unknown", name: nonEmpty(mount.Name),
                    source: mount.Source ?? "", target: mount.Destination ?? "", readOnly: !(mount.RW ?? true))
            },
            composeProject: labels[composeProjectLabel], composeService: labels[composeServiceLabel],
            composeWorkingDir: labels[composeWorkingDirLabel],
            environmentNames: environmentNames(inspect.Config?.Env ?? []),
            environmentValues: environmentValues(inspect.Config?.Env ?? [], of: valued),
            definition: definition(inspect), autoRemove: inspect.HostConfig?.AutoRemove ?? false)
    }

    /// The settings a printed `docker run` carries over (secret values already dropped).
    static func definition(_ inspect: Inspect) -> ContainerDefinition {
        let config = inspect.Config
        let network = inspect.HostConfig?.NetworkMode ?? ""
        return ContainerDefinition(
            entrypoint: config?.Entrypoint?.words ?? [], command: config?.Cmd?.words ?? [],
            user: nonEmpty(config?.User), workingDir: nonEmpty(config?.WorkingDir),
            networkMode: ContainerDefinition.defaultNetworkModes.contains(network) ? nil : network,
            labels: config?.Labels ?? [:],
            ulimits: (inspect.HostConfig?.Ulimits ?? []).compactMap { limit in
                guard let name = limit.Name, let soft = limit.Soft, let hard = limit.Hard else { return nil }
                return "\(DockerRecreate.ulimitName(name))=\(soft):\(hard)"
            },
            environment: DockerRecreate.carried(config?.Env ?? [], hostname: config?.Hostname))
    }

    static func volume(_ volume: VolumeList.Volume) -> VolumeObservation {
        VolumeObservation(
            name: volume.Name, driver: volume.Driver ?? "", mountpoint: volume.Mountpoint ?? "",
            composeProject: volume.Labels?[composeProjectLabel])
    }

    /// `/backend` → `backend`.
    static func containerName(_ raw: String) -> String {
        raw.hasPrefix("/") ? String(raw.dropFirst()) : raw
    }

    /// The values of the `valued` variables (the last entry of a name wins, as in the
    /// process's environment).
    static func environmentValues(_ entries: [String], of valued: Set<String>) -> [String: String] {
        guard !valued.isEmpty else { return [:] }
        var values: [String: String] = [:]
        for entry in entries {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            let name = String(entry[..<equals])
            if valued.contains(name) { values[name] = String(entry[entry.index(after: equals)...]) }
        }
        return values
    }

    /// Names only, in order, without duplicates: values may be secrets and are dropped
    /// here, before anything else can see them.
    static func environmentNames(_ entries: [String]) -> [String] {
        var seen: Set<String> = []
        return entries.compactMap { entry in
            let name = String(entry.prefix { $0 != "=" })
            return !name.isEmpty && seen.insert(name).inserted ? name : nil
        }
    }

    /// nil when the container has no health check. Docker omits `State.Health` then;
    /// Podman sends an empty status, so both shapes mean "none". Only the latest failed
    /// check's output is kept, trimmed.
    static func health(_ health: Inspect.State.Health?, healthcheck: Inspect.Config.Healthcheck?) -> HealthObservation? {
        let status = health?.Status ?? ""
        let disabled = healthcheck?.Test?.first == "NONE"
        if disabled || (status.isEmpty || status == "none") && healthcheck?.Test == nil { return nil }
        let lastFailure = (health?.Log ?? []).last { ($0.ExitCode ?? 0) != 0 }
        let output = lastFailure?.Output.map { text in
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.count > 300 ? String(trimmed.prefix(300)) + "…" : trimmed
        }
        return HealthObservation(
            status: status.isEmpty ? "none" : status, failingStreak: health?.FailingStreak ?? 0,
            lastFailureOutput: output, lastFailureExitCode: lastFailure?.ExitCode)
    }

    /// Published ports from the container's configuration (`HostConfig.PortBindings`,
    /// present whether or not it runs), with engine-chosen host ports filled in from
    /// `NetworkSettings.Ports` when it runs. Docker lists an all-interfaces binding
    /// twice (0.0.0.0 and ::); normalising the address makes them one.
    static func ports(configured: [String: [PortBindingJSON]?]?, actual: [String: [PortBindingJSON]?]?) -> [PortBinding] {
        func bindings(_ map: [String: [PortBindingJSON]?]?) -> [PortBinding] {
            var result: [PortBinding] = []
            for (key, list) in map ?? [:] {
                let parts = key.split(separator: "/")
                guard let port = parts.first.flatMap({ Int($0) }) else { continue }
                let proto = parts.count > 1 ? String(parts[1]) : "tcp"
                for binding in list ?? [] {
                    let host = PortBinding.hostPorts(binding.HostPort)
                    result.append(
                        PortBinding(
                            hostIP: binding.HostIp, hostPort: host.first, hostPortLast: host.last, containerPort: port, proto: proto))
                }
            }
            return result
        }
        let running = bindings(actual)
        let declared = bindings(configured)
        return distinctSorted(
            (declared.isEmpty ? running : declared).map { binding in
                var resolved = binding
                // A port the engine picked, alone or in a configured range: the one it runs on.
                if resolved.hostPort == nil || resolved.hostPortLast != nil,
                    let chosen = running.first(where: { resolved.isSatisfied(by: $0) && $0.hostPortLast == nil })
                {
                    resolved.hostPort = chosen.hostPort
                    resolved.hostPortLast = nil
                }
                return resolved
            })
    }
}
