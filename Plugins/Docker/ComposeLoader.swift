import Foundation
import ReconcileKit

/// Reads the compose file named by `docker.compose` at the manifest's ref (through the
/// desired-state source, so `--ref` moves both together) and derives the containers and
/// named volumes `docker compose up -d` would create, as specs compared exactly like the
/// manifest's own `docker.containers[]`.
///
/// Compared, per service: the container (container_name, else PROJECT-SERVICE-1, also
/// found by compose's project/service labels), state `running`, image, ports, volumes
/// (named, bind, anonymous, tmpfs; read-only), restart, environment variable names
/// (values are never read), and that a `healthcheck:` exists and passes. Top-level
/// named volumes must exist (as PROJECT_NAME, or their `name:`/external name). Files
/// listed under `include:` are loaded into the same project, their services alike.
/// With `network_mode: host` a service's `ports:` are not expected either: the engine
/// discards them (`validate` warns, `compose-host-network-ports`).
/// Not compared (`uncomparedKeys`): build details, command, entrypoint, networks,
/// depends_on, labels, env_file contents, deploy resources, and the rest. Services with
/// `profiles:` none of which is active (`docker.compose.profiles`) or zero replicas are
/// skipped, as `docker compose up` skips them. Relative bind sources are resolved
/// against `project_directory`, else against the compose working directory the engine
/// recorded on the container (`com.docker.compose.project.working_dir`). A
/// one-shot service (a migration) is expected running too: list its container in
/// `docker.containers` with `state: exited` to say otherwise (the manifest wins).
enum ComposeLoader {
    /// Service keys that are read by compose but not compared by reconcile.
    static let uncomparedKeys = [
        "build", "command", "entrypoint", "working_dir", "user", "networks", "network_mode", "depends_on", "labels",
        "env_file", "secrets", "configs", "deploy (except replicas)", "logging", "extra_hosts", "dns", "cap_add",
        "cap_drop", "devices", "ulimits", "sysctls", "stop_signal", "stop_grace_period", "init", "tty", "stdin_open",
        "privileged", "read_only", "shm_size", "tmpfs", "expose", "links", "pid", "ipc", "platform", "pull_policy",
        "healthcheck details", "extends",
    ]

    static func load(_ reference: ComposeReference, source: any DesiredStateSource, environment: [String: String])
        -> ComposeObservation
    {
        let text: String
        do {
            text = String(decoding: try source.read(reference.file), as: UTF8.self)
        } catch {
            return ComposeObservation(
                file: reference.file,
                problem:
                    "cannot read \(reference.file) at \(source.origin.commit.map { String($0.prefix(12)) } ?? source.origin.ref): \(error)")
        }
        var values = environment
        let directory = (reference.file as NSString).deletingLastPathComponent
        let envFile = directory.isEmpty ? ".env" : "\(directory)/.env"
        if let data = try? source.read(envFile) {
            for (name, value) in parseEnvFile(String(decoding: data, as: UTF8.self)) where values[name] == nil {
                values[name] = value
            }
        }
        do {
            var observation = try derive(text, reference: reference, values: values)
            let included = try included(by: text, reference: reference, project: observation.project, source: source, values: values)
            observation.containers += included.containers
            observation.volumes += included.volumes
            // What compose refuses; its warnings (validate's) change nothing a run compares.
            observation.refusals = ComposeLint.problems(text, reference: reference, source: source, values: values).filter {
                $0.rule.severity == .error
            }.map {
                ComposeObservation.Refusal(rule: $0.rule.id, message: $0.message, position: $0.position)
            }
            return observation
        } catch let error as ManifestError {
            return ComposeObservation(file: reference.file, problem: error.description)
        } catch let errors as ManifestErrors {
            return ComposeObservation(file: reference.file, problem: errors.description)
        } catch {
            return ComposeObservation(file: reference.file, problem: "\(error)")
        }
    }

    /// The desired state in `text`, a compose file. Pure (given the variables), so it
    /// is unit-tested on compose files directly.
    static func derive(_ text: String, reference: ComposeReference, values: [String: String]) throws -> ComposeObservation {
        let document = try YAMLDocument.parse(text, file: reference.file)
        guard let root = document.root, root.isMapping else {
            throw ManifestError(
                position: SourcePosition(file: reference.file, line: 1, column: 1), keyPath: "",
                message: "a compose file is a mapping with services:")
        }
        let interpolation = Interpolation(values: values)
        let top = try Merged(root)
        let project = try projectName(reference: reference, top: top, interpolation: interpolation)

        var declared: [String: (name: String, driver: String?, position: SourcePosition)] = [:]
        var volumeOrder: [String] = []
        if let volumes = top["volumes"], !volumes.isNull {
            for entry in try Merged(volumes).entries {
                var name = "\(project)_\(entry.key)"
                var driver: String?
                if entry.value.isMapping {
                    let options = try Merged(entry.value)
                    if let external = options["external"] {
                        if external.isMapping, let externalName = try Merged(external)["name"] {
                            name = try interpolation.text(externalName).value
                        } else if (try? external.bool()) == true || external.literal == "true" {
                            name = entry.key
                        }
                    }
                    if let explicit = options["name"] { name = try interpolation.text(explicit).value }
                    if let driverNode = options["driver"] { driver = try interpolation.text(driverNode).value }
                }
                declared[entry.key] = (name, driver, entry.keyNode.position)
                volumeOrder.append(entry.key)
            }
        }

        guard let servicesNode = top["services"], servicesNode.isMapping else {
            throw (top["services"] ?? root).error("a compose file needs a services: mapping")
        }
        var containers: [ContainerSpec] = []
        for entry in try Merged(servicesNode).entries {
            guard entry.value.isMapping else { throw entry.value.error("a service is a mapping of settings") }
            if let container = try service(
                entry.key, try Merged(entry.value), node: entry.value, project: project, volumes: declared,
                reference: reference, interpolation: interpolation)
            {
                containers.append(container)
            }
        }
        let volumes = volumeOrder.compactMap { key in
            declared[key].map { VolumeSpec(name: $0.name, driver: $0.driver, position: $0.position) }
        }
        return ComposeObservation(file: reference.file, project: project, containers: containers, volumes: volumes)
    }

    /// The services and volumes of the files `text` lists under `include:` (and of those
    /// they include), loaded as compose loads them into the same project: each is expected
    /// like one of the file's own. A listed path is relative to the including file, and so
    /// is every relative path inside the included file (its default project_directory).
    static func included(
        by text: String, reference: ComposeReference, project: String?, source: any DesiredStateSource,
        values: [String: String]
    ) throws -> (containers: [ContainerSpec], volumes: [VolumeSpec]) {
        var result: (containers: [ContainerSpec], volumes: [VolumeSpec]) = ([], [])
        for file in try includedFiles(by: text, reference: reference, project: project, source: source, values: values) {
            let loaded = try derive(file.text, reference: file.reference, values: values)
            // A relative source left unresolved is resolved later against the including
            // project's directory: say where it is from there.
            for var container in loaded.containers {
                container.mounts = container.mounts?.map { mount in
                    guard let relative = mount.relativeSource, !file.directory.isEmpty else { return mount }
                    var moved = mount
                    moved.relativeSource = file.directory + "/" + relative
                    return moved
                }
                result.containers.append(container)
            }
            result.volumes += loaded.volumes
        }
        return result
    }

    /// One file an `include:` brings into the project, as compose reads it: under its own
    /// repository path, in the including project, its relative paths from its own directory.
    struct IncludedFile {
        var reference: ComposeReference
        var text: String
        /// Its directory relative to the top file's (empty when they share one).
        var directory: String
    }

    /// The files `text` lists under `include:`, each followed by those it includes, read
    /// at the same ref. A path outside the repository, a nesting deeper than 8 or a file
    /// that cannot be read is an error at the `include:` entry's line.
    static func includedFiles(
        by text: String, reference: ComposeReference, project: String?, source: any DesiredStateSource,
        values: [String: String], directory prefix: String = "", depth: Int = 0
    ) throws -> [IncludedFile] {
        guard let root = try YAMLDocument.parse(text, file: reference.file).root, root.isMapping,
            let list = try Merged(root)["include"], !list.isNull
        else { return [] }
        let directory = (reference.file as NSString).deletingLastPathComponent
        var files: [IncludedFile] = []
        for item in try list.list() {
            var paths = [item]
            if item.isMapping {
                guard let path = try Merged(item)["path"] else { throw item.error("an include: entry needs path:") }
                paths = path.isList ? try path.list() : [path]
            }
            for node in paths {
                let written = try Interpolation(values: values).text(node).value
                guard let file = repositoryPath(written, from: directory), depth < 8 else {
                    throw node.error("include: '\(written)' is not a compose file of this repository (or includes nest too deep)")
                }
                let data: Data
                do {
                    data = try source.read(file)
                } catch {
                    throw node.error("cannot read the included \(file): \(error)")
                }
                // Relative paths in the included file resolve against its own directory.
                let subdirectory = (written as NSString).deletingLastPathComponent
                var inner = reference
                inner.file = file
                inner.project = project
                inner.projectDirectory = reference.projectDirectory.flatMap { resolve(subdirectory, directory: $0) }
                let included = IncludedFile(
                    reference: inner, text: String(decoding: data, as: UTF8.self),
                    directory: [prefix, subdirectory].filter { !$0.isEmpty }.joined(separator: "/"))
                files.append(included)
                files += try includedFiles(
                    by: included.text, reference: inner, project: project, source: source, values: values,
                    directory: included.directory, depth: depth + 1)
            }
        }
        return files
    }

    /// `written`, relative to the repository directory `directory`, as a repository path;
    /// nil when it is absolute or leaves the repository.
    static func repositoryPath(_ written: String, from directory: String) -> String? {
        guard !written.hasPrefix("/") else { return nil }
        var parts = directory.split(separator: "/").map(String.init)
        for part in written.split(separator: "/").map(String.init) where part != "." {
            if part != ".." {
                parts.append(part)
            } else if parts.popLast() == nil {
                return nil
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// `docker compose -p`'s name: the manifest's, the file's `name:`, else the
    /// directory holding the file, normalised as compose does (lower case; letters,
    /// digits, `_` and `-`).
    static func projectName(reference: ComposeReference, top: Merged, interpolation: Interpolation) throws -> String {
        let raw: String
        var at: ManifestNode?
        if let project = reference.project {
            raw = project
        } else if let nameNode = top["name"] {
            raw = try interpolation.text(nameNode).value
            at = nameNode
        } else {
            let directory = (reference.file as NSString).deletingLastPathComponent
            guard !directory.isEmpty else {
                throw ManifestError(
                    position: reference.position, keyPath: "docker.compose",
                    message: "the compose file is at the repository root and has no name:, so its project name "
                        + "depends on the directory it is deployed in; set docker.compose.project")
            }
            raw = (directory as NSString).lastPathComponent
        }
        let normalised = String(
            raw.lowercased().unicodeScalars.filter {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
            }.map(Character.init))
        guard !normalised.isEmpty else {
            let message = "'\(raw)' is not a usable compose project name"
            throw at?.error(message) ?? ManifestError(position: reference.position, keyPath: "docker.compose", message: message)
        }
        return normalised
    }

    static func service(
        _ name: String, _ settings: Merged, node: ManifestNode, project: String,
        volumes: [String: (name: String, driver: String?, position: SourcePosition)], reference: ComposeReference,
        interpolation: Interpolation
    ) throws -> ContainerSpec? {
        if let profiles = settings["profiles"], profiles.isList,
            !reference.enables(try profiles.list().map { try interpolation.text($0).value })
        {
            return nil
        }
        if let scale = settings["scale"], scale.literal == "0" { return nil }
        if let deploy = settings["deploy"], deploy.isMapping, (try Merged(deploy))["replicas"]?.literal == "0" { return nil }

        var spec = ContainerSpec(
            name: "\(project)-\(name)-1", state: .running, composeProject: project, composeService: name,
            position: node.position)
        var notes: [String] = []
        if let containerName = settings["container_name"] {
            spec.name = try interpolation.text(containerName).value
        }
        if settings["extends"] != nil { notes.append("extends: is not followed") }

        if let imageNode = settings["image"] {
            let image = try interpolation.text(imageNode)
            if image.unresolved.isEmpty {
                spec.image = image.value
                spec.fieldPositions["image"] = imageNode.position
            } else {
                notes.append("image (\(image.unresolvedText) not set)")
            }
        } else if settings["build"] != nil {
            notes.append("image (built from build:)")
        }

        if settings["ports"] != nil, try isHostNetwork(settings, interpolation: interpolation) {
            // As compose up does: the engine discards them, with a warning (validate's too).
            notes.append("ports (network_mode: host: the engine discards published ports)")
        } else if let portsNode = settings["ports"] {
            var bindings: [PortBinding] = []
            var complete = true
            for item in try portsNode.list() {
                guard let parsed = try port(item, interpolation: interpolation) else {
                    complete = false
                    continue
                }
                bindings += parsed
            }
            if complete {
                spec.ports = bindings
                spec.fieldPositions["ports"] = portsNode.position
            } else {
                notes.append("ports (a variable is not set)")
            }
        }

        if let volumesNode = settings["volumes"] {
            spec.mounts = try volumesNode.list().compactMap {
                try mount($0, volumes: volumes, reference: reference, interpolation: interpolation)
            }
            spec.fieldPositions["mounts"] = volumesNode.position
        }

        if let restartNode = settings["restart"] {
            let text = try interpolation.text(restartNode).value
            guard let policy = RestartPolicy(parsing: text) else {
                throw restartNode.error("'\(text)' is not a restart policy (no, always, on-failure[:N], unless-stopped)")
            }
            spec.restartPolicy = policy
            spec.fieldPositions["restart_policy"] = restartNode.position
        }

        if let health = settings["healthcheck"], health.isMapping {
            let options = try Merged(health)
            let disabled = (try? options["disable"]?.bool()) == true || options["disable"]?.literal == "true"
            let test = try options["test"].map { node -> [String] in
                node.isList ? try node.list().map { $0.literal ?? "" } : [node.literal ?? ""]
            }
            spec.expectsHealthcheck = !disabled && test?.first != "NONE"
        }

        if let environmentNode = settings["environment"] {
            var names: [String] = []
            if environmentNode.isMapping {
                for entry in try Merged(environmentNode).entries where !entry.value.isNull {
                    names.append(entry.key)
                }
            } else {
                for item in try environmentNode.list() {
                    let text = item.literal ?? ""
                    // `- NAME` without a value is taken from the deploying shell, if set there.
                    if let equals = text.firstIndex(of: "=") { names.append(String(text[..<equals])) }
                }
            }
            if !names.isEmpty {
                spec.environment = names
                spec.fieldPositions["environment"] = environmentNode.position
            }
        }
        if settings["env_file"] != nil { notes.append("variables from env_file") }
        spec.notes = notes
        return spec
    }

    /// True for a service on the host's network (`network_mode: host`), where a container
    /// has no ports of its own to publish.
    static func isHostNetwork(_ settings: Merged, interpolation: Interpolation) throws -> Bool {
        guard let mode = settings["network_mode"] else { return false }
        return try interpolation.text(mode).value == "host"
    }

    /// One `ports:` entry: `"127.0.0.1:8000:8000"`, `8000`, or the long form
    /// `{ target, published, host_ip, protocol }`. nil when a variable is unset.
    static func port(_ item: ManifestNode, interpolation: Interpolation) throws -> [PortBinding]? {
        if item.isMapping {
            let options = try Merged(item)
            guard let targetNode = options["target"] else { throw item.error("a long-form port needs target:") }
            let target = try interpolation.text(targetNode)
            let published = try options["published"].map { try interpolation.text($0) }
            let hostIP = try options["host_ip"].map { try interpolation.text($0) }
            let proto = try options["protocol"].map { try interpolation.text($0) }
            let all = [target, published, hostIP, proto].compactMap { $0 }
            guard all.allSatisfy(\.unresolved.isEmpty) else { return nil }
            var text = ""
            if let hostIP { text += hostIP.value.contains(":") ? "[\(hostIP.value)]:" : "\(hostIP.value):" }
            if let published { text += "\(published.value):" } else if hostIP != nil { text += ":" }
            text += target.value
            if let proto { text += "/\(proto.value)" }
            return try PortBinding.parse(text, at: item)
        }
        let text = try interpolation.text(item)
        guard text.unresolved.isEmpty else { return nil }
        return try PortBinding.parse(text.value, at: item)
    }

    /// One `volumes:` entry of a service, short (`SOURCE:TARGET[:MODE]`, `TARGET`) or
    /// long (`{ type, source, target, read_only }`).
    static func mount(
        _ item: ManifestNode, volumes: [String: (name: String, driver: String?, position: SourcePosition)],
        reference: ComposeReference, interpolation: Interpolation
    ) throws -> MountSpec? {
        var type: String?
        var sourceText: String?
        var target: String
        var readOnly: Bool?
        if item.isMapping {
            let options = try Merged(item)
            guard let targetNode = options["target"] else { throw item.error("a long-form volume needs target:") }
            target = try interpolation.text(targetNode).value
            type = try options["type"].map { try interpolation.text($0).value }
            sourceText = try options["source"].map { try interpolation.text($0).value }
            if let readOnlyNode = options["read_only"] {
                readOnly = (try? readOnlyNode.bool()) ?? (readOnlyNode.literal == "true")
            }
        } else {
            let text = try interpolation.text(item)
            guard text.unresolved.isEmpty else { return nil }
            let parts = text.value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch parts.count {
            case 1:
                target = parts[0]
            case 2:
                sourceText = parts[0]
                target = parts[1]
            case 3:
                sourceText = parts[0]
                target = parts[1]
                let options = parts[2].split(separator: ",")
                if options.contains("ro") { readOnly = true } else if options.contains("rw") { readOnly = false }
            default:
                throw item.error("'\(text.value)' is not a volume entry (SOURCE:TARGET[:MODE])")
            }
        }
        guard target.hasPrefix("/") else { throw item.error("the target '\(target)' must be an absolute path") }
        let source: MountSpec.Source
        var relativeSource: String?
        switch (type, sourceText) {
        case ("tmpfs", _):
            source = .tmpfs
        case (_, nil), (_, ""?):
            source = .anonymousVolume
        case ("bind", let path?):
            (source, relativeSource) = bind(path, directory: reference.projectDirectory)
        case (nil, let path?) where isPath(path):
            (source, relativeSource) = bind(path, directory: reference.projectDirectory)
        case (_, let name?):
            source = .volume(volumes[name]?.name ?? name)
        }
        return MountSpec(
            source: source, target: target, readOnly: readOnly, relativeSource: relativeSource, position: item.position)
    }

    /// A bind of `path`, resolved when it can be; the relative text is kept when not.
    static func bind(_ path: String, directory: String?) -> (MountSpec.Source, String?) {
        let resolved = resolve(path, directory: directory)
        return (.bind(resolved), resolved == nil ? path : nil)
    }

    static func isPath(_ text: String) -> Bool {
        text.hasPrefix("/") || text.hasPrefix(".") || text.hasPrefix("~")
    }

    /// An absolute host path, or nil when it is relative and the project directory is
    /// not known.
    static func resolve(_ path: String, directory: String?) -> String? {
        if path.hasPrefix("/") { return MountSpec.normalisedPath(path) }
        guard let directory, !path.hasPrefix("~") else { return nil }
        var parts = directory.split(separator: "/").map(String.init)
        for part in path.split(separator: "/").map(String.init) {
            switch part {
            case ".", "": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `KEY=VALUE` lines of a compose `.env` file (comments, blank lines and `export`
    /// skipped; surrounding quotes removed).
    static func parseEnvFile(_ text: String) -> [(String, String)] {
        text.split(whereSeparator: \.isNewline).compactMap { raw in
            var line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return nil }
            if line.hasPrefix("export ") {
                line.removeFirst("export ".count)
                return parseEnvFile(line).first
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
                value = String(value.dropFirst().dropLast())
            }
            return name.isEmpty ? nil : (name, value)
        }
    }
}

/// A mapping's entries with YAML merge keys (`<<: *defaults`) applied, as compose
/// applies them: explicit keys win over merged ones.
struct Merged {
    let entries: [(key: String, keyNode: ManifestNode, value: ManifestNode)]

    init(_ node: ManifestNode) throws {
        var explicit: [(key: String, keyNode: ManifestNode, value: ManifestNode)] = []
        var merged: [(key: String, keyNode: ManifestNode, value: ManifestNode)] = []
        for entry in try node.entries() {
            guard entry.key == "<<" else {
                explicit.append(entry)
                continue
            }
            let sources = entry.value.isList ? try entry.value.list() : [entry.value]
            for source in sources {
                guard source.isMapping else { throw source.error("<< merges a mapping (or a list of them)") }
                for inner in try Merged(source).entries where !merged.contains(where: { $0.key == inner.key }) {
                    merged.append(inner)
                }
            }
        }
        let keys = Set(explicit.map(\.key))
        entries = explicit + merged.filter { !keys.contains($0.key) }
    }

    subscript(_ key: String) -> ManifestNode? {
        entries.first { $0.key == key }?.value
    }
}

/// Compose's variable interpolation: `$$`, `$NAME`, `${NAME}`, `${NAME:-default}`,
/// `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`, `${NAME:+alt}`, `${NAME+alt}`.
/// A variable with no value and no default is reported as unresolved, so the field
/// is left uncompared instead of compared with compose's empty-string stand-in.
struct Interpolation {
    let values: [String: String]

    struct Result {
        var value: String
        var unresolved: [String]
        var unresolvedText: String { unresolved.map { "${\($0)}" }.joined(separator: ", ") }
    }

    func text(_ node: ManifestNode) throws -> Result {
        guard let literal = node.literal else { throw node.error("expected a string, found a list or mapping") }
        do {
            return try interpolate(literal)
        } catch let error as InterpolationError {
            throw node.error(error.message)
        }
    }

    struct InterpolationError: Error {
        let message: String
    }

    func interpolate(_ text: String) throws -> Result {
        var result = Result(value: "", unresolved: [])
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == "$" else {
                result.value.append(character)
                index = text.index(after: index)
                continue
            }
            let next = text.index(after: index)
            guard next < text.endIndex else {
                result.value.append("$")
                break
            }
            if text[next] == "$" {
                result.value.append("$")
                index = text.index(after: next)
            } else if text[next] == "{" {
                guard let close = matchingBrace(text, from: next) else {
                    throw InterpolationError(message: "unterminated ${ in '\(text)'")
                }
                let inner = String(text[text.index(after: next)..<close])
                let expanded = try expand(inner)
                result.value += expanded.value
                result.unresolved += expanded.unresolved
                index = text.index(after: close)
            } else if text[next] == "_" || text[next].isLetter {
                var end = next
                while end < text.endIndex, text[end] == "_" || text[end].isLetter || text[end].isNumber {
                    end = text.index(after: end)
                }
                let name = String(text[next..<end])
                if let value = values[name] { result.value += value } else { result.unresolved.append(name) }
                index = end
            } else {
                result.value.append("$")
                index = next
            }
        }
        return result
    }

    private func expand(_ inner: String) throws -> Result {
        let nameEnd = inner.firstIndex { !($0 == "_" || $0.isLetter || $0.isNumber) } ?? inner.endIndex
        let name = String(inner[..<nameEnd])
        guard !name.isEmpty else { throw InterpolationError(message: "invalid variable reference ${\(inner)}") }
        let rest = String(inner[nameEnd...])
        let value = values[name]
        let operators = [":-", ":?", ":+", "-", "?", "+"]
        guard let op = operators.first(where: { rest.hasPrefix($0) }) else {
            guard rest.isEmpty else { throw InterpolationError(message: "invalid variable reference ${\(inner)}") }
            return value.map { Result(value: $0, unresolved: []) } ?? Result(value: "", unresolved: [name])
        }
        let argument = String(rest.dropFirst(op.count))
        let set = op.hasPrefix(":") ? !(value ?? "").isEmpty : value != nil
        switch op.last {
        case "-":
            return set ? Result(value: value!, unresolved: []) : try interpolate(argument)
        case "?":
            guard set else {
                throw InterpolationError(message: "required variable \(name) is not set: \(argument)")
            }
            return Result(value: value!, unresolved: [])
        default: // "+"
            return set ? try interpolate(argument) : Result(value: "", unresolved: [])
        }
    }

    private func matchingBrace(_ text: String, from open: String.Index) -> String.Index? {
        var depth = 0
        var index = open
        while index < text.endIndex {
            if text[index] == "{" { depth += 1 }
            if text[index] == "}" {
                depth -= 1
                if depth == 0 { return index }
            }
            index = text.index(after: index)
        }
        return nil
    }
}
