import Foundation
import ReconcileKit

/// What `docker compose` itself would refuse in the compose file `docker.compose` names,
/// found before a deploy tries: a named volume used but not declared, two mounts on one
/// target, a service needed by another but only enabled in a profile that is not
/// active, a profile name compose rejects, an active profile no service has, and
/// anything the loader cannot read. Reported by `validate`, and in runs as findings.
/// One warning, for what compose accepts but ignores: `ports:` beside `network_mode: host`.
enum ComposeLint {
    static let invalid = ConsistencyRule("compose-invalid", .error, "The compose file cannot be read as compose reads it.")
    static let undeclaredVolume = ConsistencyRule(
        "compose-undeclared-volume", .error, "A service mounts a named volume the compose file does not declare.")
    static let duplicateTarget = ConsistencyRule(
        "compose-duplicate-target", .error, "Two mounts of one service on the same target path.")
    static let unknownProfile = ConsistencyRule(
        "compose-unknown-profile", .error,
        "A profile name compose rejects, or a service needed by another that only a profile enables.")
    static let hostNetworkPorts = ConsistencyRule(
        "compose-host-network-ports", .warning,
        "A service on the host's network (network_mode: host) lists ports:, which the engine discards.")
    static let rules = [invalid, undeclaredVolume, duplicateTarget, unknownProfile, hostNetworkPorts]

    /// Compose's own pattern for profile names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    static func isProfileName(_ text: String) -> Bool {
        let alphanumeric = { (c: Unicode.Scalar) in c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) }
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 2, alphanumeric(scalars[0]) else { return false }
        return scalars.dropFirst().allSatisfy { alphanumeric($0) || "_.-".unicodeScalars.contains($0) }
    }

    static func problems(_ reference: ComposeReference, in desired: DesiredState) -> [ConsistencyProblem] {
        if let missing = desired.missingFile(reference.file, namedBy: "docker.compose", at: reference.position) {
            return [missing]
        }
        let text = String(decoding: (try? desired.source.read(reference.file)) ?? Data(), as: UTF8.self)
        return problems(text, reference: reference, source: desired.source)
    }

    /// The problems of compose file `text` and, given the `source` it is read from, of the
    /// files it includes (at their own positions), judged as one project as compose loads
    /// them: a service may depend on one of an included file, and a volume be declared in
    /// either. Pure given `source`, with compose's variables `values` (a run has the
    /// environment and the file's `.env`; `validate` has none).
    static func problems(
        _ text: String, reference: ComposeReference, source: (any DesiredStateSource)? = nil, values: [String: String] = [:]
    ) -> [ConsistencyProblem] {
        let named = ConsistencyProblem.Related("named by docker.compose", at: reference.position)
        do {
            let project = try ComposeLoader.derive(text, reference: reference, values: values).project
            var files = [(text: text, reference: reference)]
            if let source {
                files += try ComposeLoader.includedFiles(
                    by: text, reference: reference, project: project, source: source, values: values
                ).map { ($0.text, $0.reference) }
            }
            // What the loader refuses in an included file, at that file's line.
            for file in files.dropFirst() { _ = try ComposeLoader.derive(file.text, reference: file.reference, values: values) }
            var declared: Set<String> = []
            var services: [(key: String, value: ManifestNode, reference: ComposeReference)] = []
            for file in files {
                guard let root = try YAMLDocument.parse(file.text, file: file.reference.file).root else { continue }
                let top = try Merged(root)
                if let volumes = top["volumes"], volumes.isMapping { declared.formUnion(try Merged(volumes).entries.map(\.key)) }
                if let servicesNode = top["services"] {
                    services += try Merged(servicesNode).entries.map { ($0.key, $0.value, file.reference) }
                }
            }
            var problems: [ConsistencyProblem] = []
            var profiled: [String: ManifestNode] = [:]
            var used: Set<String> = []
            for service in services {
                let settings = try Merged(service.value)
                let interpolation = Interpolation(values: values)
                problems += try mountProblems(
                    settings, declared: declared, reference: service.reference, interpolation: interpolation, named: named)
                if let ports = settings.entries.first(where: { $0.key == "ports" }), !ports.value.isNull,
                    let mode = settings["network_mode"], try ComposeLoader.isHostNetwork(settings, interpolation: interpolation)
                {
                    problems.append(
                        hostNetworkPorts.problem(
                            "service \(service.key): ports: are discarded with network_mode: host (the engine publishes "
                                + "nothing, the service listens on the host's own ports, and reconcile does not expect them): "
                                + "remove ports:, or leave the host's network",
                            at: ports.keyNode.position, related: [.init("network_mode: host", at: mode.position), named]))
                }
                if let profiles = settings["profiles"], profiles.isList, !(try profiles.list()).isEmpty {
                    let names = try profiles.list().compactMap(\.literal)
                    used.formUnion(names)
                    if !reference.enables(names) { profiled[service.key] = profiles }
                    for profile in try profiles.list() where !((try? profile.string()).map(isProfileName) ?? false) {
                        problems.append(
                            unknownProfile.problem(
                                "service \(service.key): \(ManifestNode.quoted(profile.literal ?? "")) is not a profile name compose accepts ([a-zA-Z0-9][a-zA-Z0-9_.-]+)",
                                at: profile.position, related: [named]))
                    }
                }
            }
            let scope = files.count > 1 ? "\(reference.file) or the files it includes" : reference.file
            for (profile, at) in zip(reference.profiles, reference.profilePositions) where !used.contains(profile) {
                problems.append(
                    unknownProfile.problem(
                        "docker.compose.profiles activates \(profile), but no service of \(scope) has that profile",
                        at: at, related: [named]))
            }
            for service in services where profiled[service.key] == nil {
                for (needed, at) in try dependencies(of: try Merged(service.value)) {
                    if let profiles = profiled[needed] {
                        problems.append(
                            unknownProfile.problem(
                                "service \(service.key) depends on \(needed), which only its profiles enable (none of them "
                                    + "active): compose refuses to start it without them",
                                at: at, related: [.init("\(needed)'s profiles", at: profiles.position), named]))
                    } else if !services.contains(where: { $0.key == needed }) {
                        problems.append(
                            unknownProfile.problem(
                                "service \(service.key) depends on \(needed), which is not a service of \(files.count > 1 ? "this project" : "this file")",
                                at: at, related: [named]))
                    }
                }
            }
            return problems
        } catch let error as ManifestError {
            return [invalid.problem(error.message, at: error.position, related: [named])]
        } catch let errors as ManifestErrors {
            return errors.errors.map { invalid.problem($0.message, at: $0.position, related: [named]) }
        } catch {
            return [invalid.problem("\(error)", at: reference.position)]
        }
    }

    /// Undeclared named volumes and repeated targets of one service.
    private static func mountProblems(
        _ settings: Merged, declared: Set<String>, reference: ComposeReference, interpolation: Interpolation,
        named: ConsistencyProblem.Related
    ) throws -> [ConsistencyProblem] {
        guard let volumes = settings["volumes"], volumes.isList else { return [] }
        var problems: [ConsistencyProblem] = []
        var targets: [String: SourcePosition] = [:]
        for item in try volumes.list() {
            guard
                let mount = try ComposeLoader.mount(
                    item, volumes: [:], reference: reference, interpolation: interpolation)
            else { continue }
            if case .volume(let name) = mount.source, !declared.contains(name) {
                problems.append(
                    undeclaredVolume.problem(
                        "named volume \(name) is not declared under the file's top-level volumes: (compose refuses it)",
                        at: item.position, related: [named]))
            }
            if let first = targets[mount.target] {
                problems.append(
                    duplicateTarget.problem(
                        "a second mount on \(mount.target) in this service (compose refuses duplicate mount points)", at: item.position,
                        related: [.init("the first mount on \(mount.target)", at: first)]))
            } else {
                targets[mount.target] = item.position
            }
        }
        return problems
    }

    /// `depends_on:` as a list or a mapping: the services named, where.
    private static func dependencies(of settings: Merged) throws -> [(String, SourcePosition)] {
        guard let node = settings["depends_on"] else { return [] }
        if node.isList { return try node.list().compactMap { item in item.literal.map { ($0, item.position) } } }
        if node.isMapping { return try Merged(node).entries.map { ($0.key, $0.keyNode.position) } }
        return []
    }
}
