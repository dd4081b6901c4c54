import ReconcileKit

/// The `docker run` a fix prints to recreate a container: the container as its inspect
/// says it is (`ContainerDefinition`, mounts, ports, restart policy) with the same
/// changes `apply`'s recreate makes (`DockerFix.recreating`), so the pasted command
/// builds the container `apply` would, not one with only the manifest's fields. One
/// option a line (continued with `\`): a report caps each line, never a line count a
/// command reaches.
///
/// No secret value is printed: a variable whose name looks secret (or whose value holds
/// URL credentials) is passed as
/// `-e NAME`, which docker fills from the pasting shell's environment; `fromShell`
/// lists those names for the fix to say so.
struct RecreateRun {
    let text: String
    /// Variables the command takes from the shell (`-e NAME`), sorted: they must be exported first.
    let fromShell: [String]

    /// `required`: the names the manifest wants set; one the container lacks and the
    /// manifest gives no value for is passed by name too.
    init(_ live: ContainerObservation, changing fix: DockerFix, required: [String] = []) {
        let definition = live.definition ?? ContainerDefinition()
        var parts = ["docker run -d --name \(ShellWord.quoted(live.name))"]
        let policy = fix.policy ?? live.restartPolicy
        if policy.name != .no { parts.append("--restart \(policy)") }
        if let network = definition.networkMode { parts.append("--network \(ShellWord.quoted(network))") }
        if let user = definition.user { parts.append("--user \(ShellWord.quoted(user))") }
        if let directory = definition.workingDir { parts.append("--workdir \(ShellWord.quoted(directory))") }
        for port in fix.ports ?? live.ports { parts.append("-p \(port)") }
        for mount in live.mounts where fix.keepsMount(at: mount.target) {
            if let flag = Self.mountFlag(mount) { parts.append(flag) }
        }
        for mount in fix.mounts ?? [] { parts.append(Fixes.volumeFlag(mount)) }
        var entries = DockerRecreate.environment(definition.environment, setting: fix.environment ?? [:])
        let present = Set(entries.map(Self.variableName))
        entries += required.filter { !present.contains($0) }
        var fromShell: [String] = []
        for entry in entries {
            let name = Self.variableName(entry)
            if ContainerDefinition.isSecret(entry) || !entry.contains("=") {
                parts.append("-e \(ShellWord.quoted(name))")
                fromShell.append(name)
            } else {
                parts.append("-e \(ShellWord.quoted(entry))")
            }
        }
        for (key, value) in definition.labels.sorted(by: { $0.key < $1.key }) {
            parts.append("--label \(ShellWord.quoted("\(key)=\(value)"))")
        }
        for limit in definition.ulimits { parts.append("--ulimit \(ShellWord.quoted(limit))") }
        var arguments = definition.command
        if let entrypoint = definition.entrypoint.first {
            parts.append("--entrypoint \(ShellWord.quoted(entrypoint))")
            arguments = Array(definition.entrypoint.dropFirst()) + arguments
        }
        parts.append(([fix.image ?? live.image] + arguments).map(ShellWord.quoted).joined(separator: " "))
        text = parts.joined(separator: " \\\n  ")
        self.fromShell = fromShell.sorted()
    }

    /// The shell comment that precedes a command taking variables from the shell.
    var exportNote: String? {
        fromShell.isEmpty
            ? nil
            : "# first export \(fromShell.joined(separator: ", ")) in this shell: their values are taken from it "
                + "(-e NAME), never printed"
    }

    /// `NAME=value` or `NAME` → `NAME`.
    static func variableName(_ entry: String) -> String { String(entry.prefix { $0 != "=" }) }

    /// The `-v`/`--tmpfs` flag that mounts what the engine reports; nil for kinds
    /// `docker run -v` cannot write (an image or cluster mount).
    static func mountFlag(_ mount: MountObservation) -> String? {
        let ro = mount.readOnly ? ":ro" : ""
        switch mount.type {
        case "volume":
            return "-v " + ShellWord.quoted(mount.name.map { "\($0):\(mount.target)\(ro)" } ?? mount.target)
        case "bind":
            return "-v " + ShellWord.quoted("\(mount.source):\(mount.target)\(ro)")
        case "tmpfs":
            return "--tmpfs " + ShellWord.quoted(mount.target)
        default:
            return nil
        }
    }
}
