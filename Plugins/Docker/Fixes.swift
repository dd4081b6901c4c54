import ReconcileKit

/// What a fix needs to know about one container: whether compose owns it (then the
/// repair is a compose edit plus `docker compose up -d SERVICE`) and what it runs now.
struct FixContext {
    let spec: ContainerSpec
    let container: ContainerObservation?
    /// The compose file's own spec of this service (`docker.compose`), when there is one:
    /// what the file already says needs no "set this" in a fix.
    let fileSpec: ContainerSpec?

    /// True when the compose file already holds what `check` asks for.
    func fileSays(_ check: (ContainerSpec) -> Bool) -> Bool { fileSpec.map(check) ?? false }

    var project: String? { spec.composeProject ?? container?.composeProject }
    var service: String { spec.composeService ?? container?.composeService ?? spec.name }
    var isCompose: Bool { project != nil }
    var name: String { container?.name ?? spec.name }

    init(spec: ContainerSpec, container: ContainerObservation?, fileSpec: ContainerSpec? = nil) {
        self.spec = spec
        self.container = container
        self.fileSpec = fileSpec
    }

    /// `docker compose -p rims up -d backend`.
    var composeUp: String {
        "docker compose" + (project.map { " -p \($0)" } ?? "") + " up -d \(service)"
    }
}

/// The repairs, worded so nobody runs a destructive command unwarned: anything that
/// removes a container says DESTRUCTIVE and what is lost (its writable layer; named
/// volumes are kept).
enum Fixes {
    static let destructiveNote =
        "DESTRUCTIVE: removing a container loses anything written outside its volumes; named volumes are kept"

    /// A missing container.
    static func create(_ spec: ContainerSpec) -> Fix {
        let context = FixContext(spec: spec, container: nil)
        if context.isCompose {
            return Fix(
                summary: "Create and start it with compose, from the directory holding the compose file "
                    + "(non-destructive).",
                snippet: context.composeUp, language: "shell")
        }
        guard spec.image != nil else {
            return Fix(
                summary: "Create and start the container (the manifest names no image, so reconcile cannot "
                    + "write the command; add image: to the manifest).")
        }
        return Fix(
            summary: "Create and start it (non-destructive), from the manifest's settings alone (there is no "
                + "container to copy the rest from): add the command and any other environment (-e NAME=…) it needs.",
            snippet: runCommand(spec), language: "shell")
    }

    /// The container exists but is in the wrong state.
    static func state(wanted: ContainerState, container: ContainerObservation, context: FixContext) -> Fix {
        let name = container.name
        switch (wanted, container.state) {
        case (.running, "exited"), (.running, "created"):
            var summary = "Start it (non-destructive)."
            if container.state == "exited" && container.exitCode != 0 {
                summary =
                    "Start it (non-destructive); it exited with code \(container.exitCode)"
                    + (container.oomKilled ? " after running out of memory" : "")
                    + ", so read its log first or it may stop again."
            } else if let error = container.error {
                summary = "Start it (non-destructive); its last start failed (\(error)), so fix that first."
            }
            let logs = container.state == "exited" ? "docker logs --tail 50 \(name)\n" : ""
            return Fix(summary: summary, snippet: logs + "docker start \(name)", language: "shell")
        case (.running, "paused"):
            return Fix(summary: "Resume it (non-destructive).", snippet: "docker unpause \(name)", language: "shell")
        case (.running, "restarting"):
            return Fix(
                summary: "It is crash-looping: the restart policy keeps restarting a process that exits. Read "
                    + "the log for the cause; restarting again will not help.",
                snippet: "docker logs --tail 100 \(name)", language: "shell")
        case (.running, "dead"):
            return Fix(
                summary: "A dead container cannot be started: remove and recreate it (\(destructiveNote)).",
                snippet: "docker rm \(name)   # destructive\n"
                    + (context.isCompose ? context.composeUp : recreateRun(context, container).lines),
                language: "shell")
        case (.exited, "running"), (.created, "running"):
            return Fix(
                summary: "Stop it (not destructive, but it interrupts whatever the container serves).",
                snippet: "docker stop \(name)", language: "shell")
        case (.paused, "running"):
            return Fix(summary: "Pause it.", snippet: "docker pause \(name)", language: "shell")
        default:
            return Fix(
                summary: "Bring it to \(wanted.rawValue) (it is \(container.state)); see docker inspect \(name).")
        }
    }

    /// Settings that are fixed when a container is created (image, ports, mounts,
    /// environment, health check): the container has to be recreated.
    /// With `fileAlreadySays`, the compose file holds the desired value already (the
    /// container predates it): the repair is compose recreating it, not an edit.
    static func recreate(
        _ context: FixContext, because reason: String, snippet: String?, pull: String? = nil, fileAlreadySays: Bool = false
    ) -> Fix {
        if context.isCompose {
            let command = context.composeUp
            if fileAlreadySays {
                return Fix(
                    summary: "The compose file already says this; the container was created from an earlier version of "
                        + "it (or by hand): recreate it with compose (\(reason)); compose replaces the container: "
                        + "\(destructiveNote).",
                    snippet: command, language: "shell")
            }
            guard let snippet else {
                return Fix(
                    summary: "Recreate it with compose (\(reason)); compose replaces the container: \(destructiveNote).",
                    snippet: command, language: "shell")
            }
            return Fix(
                summary: "Set this in the compose file, then run \(command) from its directory (\(reason)); "
                    + "compose replaces the container: \(destructiveNote).",
                snippet: snippet, language: "yaml")
        }
        guard let container = context.container else {
            return Fix(summary: "Recreate the container (\(reason)). \(destructiveNote).")
        }
        let run = recreateRun(context, container)
        var lines: [String] = []
        if let pull { lines.append("docker pull \(pull)   # if it is not built on this host") }
        lines.append("docker rm -f \(ShellWord.quoted(container.name))   # destructive")
        lines.append(run.lines)
        let exported =
            run.command.fromShell.isEmpty
            ? "" : " Export \(run.command.fromShell.joined(separator: ", ")) first: docker takes their values from your shell."
        return Fix(
            summary: "Recreate it as docker inspect shows it, with the manifest's settings changed (\(reason)). "
                + "\(destructiveNote).\(exported)",
            snippet: lines.joined(separator: "\n"), language: "shell")
    }

    /// The `docker run` that recreates `container` with the manifest's fields, and the
    /// lines to paste (the export note first when it takes variables from the shell).
    static func recreateRun(_ context: FixContext, _ container: ContainerObservation) -> (command: RecreateRun, lines: String) {
        let fix = DockerFix(kind: .recreate, endpoint: "", version: "", target: container.id)
            .recreating(container.name, as: context.spec)
        let run = RecreateRun(container, changing: fix, required: context.spec.environment ?? [])
        return (run, ([run.exportNote].compactMap { $0 } + [run.text]).joined(separator: "\n"))
    }

    /// `docker run -d --name …` for a container that does not exist: the manifest's
    /// settings are all there is (a secret's value stays out: `-e NAME` takes it from the shell).
    static func runCommand(_ spec: ContainerSpec) -> String {
        var parts = ["docker run -d --name \(ShellWord.quoted(spec.name))"]
        if let policy = spec.restartPolicy, policy.name != .no { parts.append("--restart \(policy)") }
        for port in spec.ports ?? [] { parts.append("-p \(port)") }
        for mount in spec.mounts ?? [] { parts.append(volumeFlag(mount)) }
        for name in spec.environment ?? [] {
            guard let value = spec.environmentValues[name] else { continue }
            parts.append(SecretName.hides(name, value) ? "-e \(name)" : "-e \(ShellWord.quoted("\(name)=\(value)"))")
        }
        parts.append(ShellWord.quoted(spec.image ?? "IMAGE"))
        return parts.joined(separator: " ")
    }

    static func volumeFlag(_ mount: MountSpec) -> String {
        let ro = mount.readOnly == true ? ":ro" : ""
        switch mount.source {
        case .volume(let name): return "-v " + ShellWord.quoted("\(name):\(mount.target)\(ro)")
        case .anonymousVolume: return "-v " + ShellWord.quoted(mount.target)
        case .bind(let path): return "-v " + ShellWord.quoted("\(path ?? "HOST_PATH"):\(mount.target)\(ro)")
        case .tmpfs: return "--tmpfs " + ShellWord.quoted(mount.target)
        }
    }
}
