import Foundation
import ReconcileKit

/// `apply.docker: [recreate]`: what a running container cannot change (image, published
/// ports, mounts, environment; a restart policy on an engine without the update call)
/// is fixed by replacing it. The replacement is created from the old
/// container's own inspect with only the manifest's fields changed, so its command,
/// labels, environment, networks and limits carry over. The old container is stopped and
/// parked under `<name>-reconcile-old` until the run is verified, so undo can bring it
/// back; a replacement that does not stay running is removed at once and the old one
/// started again under its name. A container started with `--rm` is never recreated: its
/// stop would remove it, leaving nothing to park or bring back.
struct DockerRecreate {
    let client: DockerEngineClient
    let fix: DockerFix

    /// The old container's name while the replacement is tried.
    var parkedName: String { "\(fix.name)-reconcile-old" }

    /// Stops and parks the old container, creates and starts the replacement, and
    /// returns its id once it is seen running. When the replacement fails, the old
    /// container runs again under its name and this throws `ApplyUndone`; `ApplyFailure`
    /// when it fails before changing anything, or when bringing the old one back failed.
    func replace() async throws -> String {
        let body: Data
        do throws(EngineProblem) {
            let inspect = try await inspectObject(fix.target)
            // The plan already refuses it (DockerPlan); this catches one made with --rm since.
            if (inspect["HostConfig"] as? [String: Any])?["AutoRemove"] as? Bool == true {
                throw EngineProblem(kind: .other, message: "nothing was changed: \(Self.refusal(autoRemoving: fix.name))", hint: "")
            }
            try await refuseLeftover()
            body = try Self.createBody(inspect, fix)
            try await client.change("POST", "/containers/\(fix.target)/stop", version: fix.version)
        } catch {
            throw ApplyFailure(error.message)
        }
        var renamed = false
        var created: String?
        do throws(EngineProblem) {
            try await client.change("POST", "/containers/\(fix.target)/rename?name=\(parkedName)", version: fix.version)
            renamed = true
            let answer = try await client.change(
                "POST", "/containers/create?name=\(fix.name)", body: body, version: fix.version)
            guard let id = (try? JSONDecoder().decode(Created.self, from: answer))?.Id else {
                throw EngineProblem(kind: .other, message: "POST /containers/create answered without an Id", hint: "check the engine's log")
            }
            created = id
            try await client.change("POST", "/containers/\(id)/start", version: fix.version)
            try await awaitRunning(id)
            return id
        } catch {
            do throws(EngineProblem) {
                try await restore(removing: created, renamed: renamed)
            } catch let second {
                throw ApplyFailure("\(error.message); bringing the old container back failed too: \(second.message)")
            }
            throw ApplyUndone("\(error.message); the old container runs again under its name")
        }
    }

    /// Why a container started with `--rm` is never recreated, in the plan and in apply:
    /// its own stop would remove it, so it could not be parked, and nothing would be
    /// left to bring back.
    static func refusal(autoRemoving name: String) -> String {
        "\(name) was started with --rm (AutoRemove): stopping it removes it, so it cannot be kept for undo and "
            + "reconcile never recreates it; recreate it by hand"
    }

    /// Fails, before anything changes, when `<name>-reconcile-old` already exists: a
    /// recreate that was killed before it finished (SIGKILL, a crash, a power cut) parked
    /// it there, and the rename would fail only after the stop. Nothing proves whether it
    /// is reconcile's own or which of the two should stay (the journal's line is written
    /// once an action ends), so a person decides, told exactly what to look at and run.
    func refuseLeftover() async throws(EngineProblem) {
        let response = try await client.get("/v\(fix.version)/containers/\(parkedName)/json")
        guard response.status != 404 else { return }
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        guard (200..<300).contains(response.status), let id = object?["Id"] as? String else {
            throw EngineProblem(
                kind: .other, message: "GET /containers/\(parkedName)/json answered \(response.status)", hint: "check the engine's log")
        }
        let state = (object?["State"] as? [String: Any])?["Status"] as? String ?? "unknown"
        throw EngineProblem(
            kind: .other,
            message: "\(parkedName) (\(id.prefix(12)), \(state)) already exists: an earlier recreate of \(fix.name) did not "
                + "finish and left the old container parked; nothing was changed. If \(fix.name) runs as it should, remove the "
                + "old one (docker rm \(parkedName)); if not, bring the old one back (docker rm -f \(fix.name) && docker rename "
                + "\(parkedName) \(fix.name) && docker start \(fix.name)); then run reconcile again",
            hint: "")
    }

    /// Removes the replacement (if any) and starts the old container under its name again.
    func restore(removing replacement: String?, renamed: Bool = true) async throws(EngineProblem) {
        if let replacement {
            try await client.change("DELETE", "/containers/\(replacement)?force=true", version: fix.version)
        }
        if renamed {
            try await client.change("POST", "/containers/\(fix.target)/rename?name=\(fix.name)", version: fix.version)
        }
        try await client.change("POST", "/containers/\(fix.target)/start", version: fix.version)
    }

    /// Removes the parked old container once the run was verified (its volumes stay).
    func discardOld() async throws(EngineProblem) {
        try await client.change("DELETE", "/containers/\(fix.target)", version: fix.version)
    }

    /// A replacement that exits at once (a bad image, a missing variable) fails here:
    /// it must still be running a moment after its start.
    func awaitRunning(_ id: String) async throws(EngineProblem) {
        for _ in 0..<5 {
            try? await Task.sleep(for: .milliseconds(300))
            let state = try await inspectObject(id)["State"] as? [String: Any]
            guard state?["Running"] as? Bool == true else {
                let code = (state?["ExitCode"] as? Int).map { " with code \($0)" } ?? ""
                throw EngineProblem(
                    kind: .other, message: "the new \(fix.name) did not stay running (exited\(code))",
                    hint: "see the new container's output by running it by hand")
            }
        }
    }

    func inspectObject(_ id: String) async throws(EngineProblem) -> [String: Any] {
        let path = "/containers/\(id)/json"
        let response = try await client.get("/v\(fix.version)\(path)")
        guard (200..<300).contains(response.status),
            let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        else {
            throw EngineProblem(kind: .other, message: "GET \(path) answered \(response.status)", hint: "check the engine's log")
        }
        return object
    }

    /// The create request: the old `Config` and `HostConfig` with the manifest's image,
    /// ports, mounts, restart policy and environment values in place of theirs.
    static func createBody(_ inspect: [String: Any], _ fix: DockerFix) throws(EngineProblem) -> Data {
        var body = inspect["Config"] as? [String: Any] ?? [:]
        var host = inspect["HostConfig"] as? [String: Any] ?? [:]
        // The old id's hostname (Podman also sets it as HOSTNAME): the new container gets its own.
        let hostname = body.removeValue(forKey: "Hostname") as? String
        body["Env"] = carried(body["Env"] as? [String] ?? [], hostname: hostname)
        if let image = fix.image { body["Image"] = image }
        if let policy = fix.policy {
            host["RestartPolicy"] = ["Name": policy.name.rawValue, "MaximumRetryCount": policy.maximumRetryCount ?? 0]
        }
        if let environment = fix.environment, !environment.isEmpty {
            body["Env"] = Self.environment(body["Env"] as? [String] ?? [], setting: environment)
        }
        if let limits = host["Ulimits"] as? [[String: Any]] {
            host["Ulimits"] = limits.map { limit in
                var limit = limit
                if let name = limit["Name"] as? String { limit["Name"] = ulimitName(name) }
                return limit
            }
        }
        if let ports = fix.ports {
            var bindings: [String: [[String: String]]] = [:]
            var exposed = body["ExposedPorts"] as? [String: Any] ?? [:]
            for port in ports {
                let key = "\(port.containerPort)/\(port.proto)"
                bindings[key, default: []].append(["HostIp": port.hostIP ?? "", "HostPort": port.hostPortText])
                exposed[key] = [String: String]()
            }
            host["PortBindings"] = bindings
            body["ExposedPorts"] = exposed
        }
        if let mounts = fix.mounts {
            host["Binds"] = (host["Binds"] as? [String] ?? []).filter { bind in
                fix.keepsMount(at: bind.split(separator: ":").dropFirst().first.map(String.init) ?? "")
            }
            let kept = (host["Mounts"] as? [[String: Any]] ?? []).filter { fix.keepsMount(at: $0["Target"] as? String ?? "") }
            host["Mounts"] = kept + mounts.map(mountObject)
        }
        body["HostConfig"] = host
        guard let data = try? JSONSerialization.data(withJSONObject: body) else {
            throw EngineProblem(
                kind: .other, message: "the container's inspect could not be turned into a create request", hint: "recreate it by hand")
        }
        return data
    }

    /// The old container's variables a replacement keeps: all but `HOSTNAME` naming the
    /// old container (Podman sets it), which the engine sets anew.
    static func carried(_ entries: [String], hostname: String?) -> [String] {
        guard let hostname, !hostname.isEmpty else { return entries }
        return entries.filter { $0 != "HOSTNAME=\(hostname)" }
    }

    /// `NAME=value` entries with each of `values` set: in place where the name was,
    /// appended where it was not.
    static func environment(_ entries: [String], setting values: [String: String]) -> [String] {
        var pending = values
        var result: [String] = []
        for entry in entries {
            let name = String(entry.prefix { $0 != "=" })
            guard let value = values[name] else {
                result.append(entry)
                continue
            }
            if pending.removeValue(forKey: name) != nil { result.append("\(name)=\(value)") }
        }
        return result + pending.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    /// Podman's inspect names ulimits as the kernel does (RLIMIT_NOFILE); create and
    /// `--ulimit` take Docker's names (nofile).
    static func ulimitName(_ name: String) -> String {
        name.hasPrefix("RLIMIT_") ? name.dropFirst("RLIMIT_".count).lowercased() : name
    }

    /// One `HostConfig.Mounts` entry.
    static func mountObject(_ mount: MountSpec) -> [String: Any] {
        var object: [String: Any] = ["Target": mount.target, "ReadOnly": mount.readOnly ?? false]
        switch mount.source {
        case .volume(let name):
            object["Type"] = "volume"
            object["Source"] = name
        case .anonymousVolume:
            object["Type"] = "volume"
        case .bind(let path):
            object["Type"] = "bind"
            object["Source"] = path ?? ""
        case .tmpfs:
            object["Type"] = "tmpfs"
        }
        return object
    }

    private struct Created: Decodable { let Id: String }
}
