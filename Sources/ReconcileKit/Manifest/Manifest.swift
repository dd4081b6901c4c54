import Yams

/// A decoded manifest: its identity and one planned check per section it contains.
public struct Manifest: Sendable {
    /// The file it came from (repository-relative when read from git).
    public let file: String
    /// The environment's name (`name:`).
    public let name: String
    /// Variables after `--var` overrides.
    public let variables: [String: String]
    public let checks: [PlannedCheck]
    /// What a run without `--dry-run` may change (`apply:`); nil = report only.
    public let apply: ApplyPolicy?
    /// Where changes are announced (`notify:`); empty when nobody is told.
    public let notify: [NotifyTarget]
    /// Whether the manifest demands a signed commit (`trust:`); nil when it says nothing.
    public let trust: TrustSpec?
    /// The top-level keys with their values, for what `reconcile plan` lists by value.
    public let sectionValues: [SectionValue]
}

/// Reads manifest v1 text into a `Manifest`, collecting every error with its position.
public struct ManifestDecoder: Sendable {
    public static let apiVersion = "reconcile/v1"
    static let kind = "Environment"
    /// The keys every manifest may have besides the checkers' sections. A top-level key
    /// that is not a checker's section (a policy) is declared here and decoded below.
    static let coreKeys: [ManifestKey] = [
        .required("apiVersion", .string(.constant(apiVersion)), "The manifest format."),
        .required("kind", .string(.constant(kind)), "What the manifest describes."),
        .optional("name", .string(.nonEmpty), "The environment's name (default: the file's name)."),
        .optional("vars", .dictionary(.scalar), "Variables for ${name} substitution; --var name=value overrides."),
        .optional(ApplyPolicy.key, ApplyPolicy.shape, ApplyPolicy.summary),
        .optional(NotifySpec.key, NotifySpec.shape, NotifySpec.summary),
        .optional(TrustSpec.key, TrustSpec.shape, TrustSpec.summary),
        .optional(PluginsSection.key, PluginsSection.shape, PluginsSection.summary),
    ]

    /// The top level of a manifest: the core keys, then one optional key per section.
    static func header(sections: [SectionDeclaration]) -> ManifestObject {
        ManifestObject(coreKeys + sections.map { .optional($0.key, $0.shape, $0.summary) })
    }

    public let registry: CheckerRegistry
    /// Size and alias-expansion bounds, checked before anything is decoded.
    public let limits: YAMLLimits

    /// External checkers from `--plugin-dir`: their sections are allowed in every manifest.
    public let pluginDirectory: PluginDirectory

    public init(registry: CheckerRegistry, limits: YAMLLimits = YAMLLimits(), pluginDirectory: PluginDirectory = .none) {
        self.registry = registry
        self.limits = limits
        self.pluginDirectory = pluginDirectory
    }

    /// Decodes `text` (named `file` in errors). `variableOverrides` come from `--var`
    /// and win over `vars:`.
    public func decode(_ text: String, file: String, variableOverrides: [String: String] = [:]) throws(ManifestErrors)
        -> Manifest
    {
        let session = DecodingSession(file: file, variables: variableOverrides)
        let root: ManifestNode
        guard let document = try limits.compose(text, file: file, resolver: Self.resolver) else {
            throw .file(file, "the manifest is empty; it needs at least apiVersion: \(Self.apiVersion)")
        }
        root = ManifestNode(yaml: document, session: session, keyPath: "")

        var checks: [PlannedCheck] = []
        // Which checker reads each top-level key, and what its resources describe.
        var owners: [String: (checker: String, described: DescribedKeys?)] = [:]
        var notify: [NotifyTarget] = []
        var name = ""
        var apply: ApplyPolicy?
        var trust: TrustSpec?
        do {
            // A wrong or missing header is reported, not fatal: the sections' errors still
            // show in the same pass.
            // External checkers' sections are top-level keys of this manifest only.
            let plugins = PluginsSection.read(
                root, taken: (registry.identifiers, registry.sectionKeys + Self.coreKeys.map(\.name)),
                directory: pluginDirectory.plugins)
            let header = Self.header(sections: registry.sections + plugins.map(\.sectionDeclaration))
            let top = try root.mapping(header.withoutRequiredKeys)
            for key in header.keys where key.isRequired && top.optional(key.name) == nil {
                session.errors.append(root.error("missing required key '\(key.name)'"))
            }
            if let version = top.optional("apiVersion"), try version.string() != Self.apiVersion {
                session.errors.append(
                    version.error(
                        "unsupported apiVersion \(ManifestNode.quoted(try version.string())); this reconcile reads \(Self.apiVersion)"))
            }
            if let kind = top.optional("kind"), try kind.string() != Self.kind {
                session.errors.append(kind.error("unsupported kind \(ManifestNode.quoted(try kind.string())); expected \(Self.kind)"))
            }
            if let vars = top.optional("vars") {
                try Self.resolve(vars, into: session, overrides: variableOverrides)
            }
            name = try top.optional("name")?.nonEmptyString() ?? Self.stem(of: file)
            for key in header.keys where key.shape.isNested {
                if let node = top.optional(key.name) { session.errors += node.shapeProblems(key.shape) }
            }
            for key in registry.sectionKeys {
                guard let node = top.optional(key), let entry = registry.entry(forSection: key) else { continue }
                do {
                    let planned = try entry.plan(node)
                    checks.append(planned)
                    owners[key] = (planned.checker, planned.describedKeys)
                } catch let error as ManifestError {
                    session.errors.append(error)
                }
            }
            for plugin in plugins {
                guard let node = top.optional(plugin.section) else {
                    if plugin.origin == .manifest {
                        session.errors.append(
                            ManifestError(
                                position: plugin.position, keyPath: plugin.keyPath,
                                message:
                                    "the external checker \(plugin.name) reads the top-level section \(plugin.section):, which this manifest does not have"
                            ))
                    }
                    continue
                }
                do {
                    checks.append(try ExternalCheck.plan(plugin, section: node))
                    owners[plugin.section] = (plugin.name, nil)
                } catch let error as ManifestError {
                    session.errors.append(error)
                }
            }
            // A policy section's error is recorded, and decoding goes on without it.
            func decoded<T>(_ key: String, _ decode: (ManifestNode) throws -> T) rethrows -> T? {
                guard let node = top.optional(key) else { return nil }
                do {
                    return try decode(node)
                } catch let error as ManifestError {
                    session.errors.append(error)
                    return nil
                }
            }
            apply = try decoded(ApplyPolicy.key) { try ApplyPolicy(from: $0, checkers: registry.identifiers + plugins.map(\.name)) }
            notify = try decoded(NotifySpec.key) { try NotifySpec(from: $0).targets } ?? []
            trust = try decoded(TrustSpec.key) { try TrustSpec(from: $0) }
        } catch let error as ManifestError {
            session.errors.append(error)
        } catch {
            session.errors.append(root.error("\(error)"))
        }
        if !session.errors.isEmpty { throw ManifestErrors(session.errors) }
        return Manifest(
            file: file, name: name, variables: session.variables, checks: checks, apply: apply, notify: notify, trust: trust,
            sectionValues: Self.sectionValues(root, owners: owners))
    }

    /// Reads `vars:` into the session. A variable may use others (`media: ${root}/media`),
    /// resolved here once so every value is final text; a cycle is an error at the
    /// variable that closes it, not text left with `${…}` in it.
    static func resolve(_ vars: ManifestNode, into session: DecodingSession, overrides: [String: String]) throws {
        let declared = try vars.entries().filter { overrides[$0.key] == nil }
        let nodes = Dictionary(declared.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        // Every name is known before any is resolved, for the did-you-mean of a misspelt one.
        for entry in declared { session.variables[entry.key] = entry.value.yaml.scalar?.string }
        var resolved = overrides
        var visiting: [String] = []
        func value(of name: String) throws -> String? {
            if let value = resolved[name] { return value }
            guard let node = nodes[name], let text = node.yaml.scalar?.string else { return nil }
            if let start = visiting.firstIndex(of: name) {
                let cycle = (visiting[start...] + [name]).map { "${\($0)}" }.joined(separator: " → ")
                throw node.error("variable \(name) uses itself: \(cycle)")
            }
            visiting.append(name)
            defer { visiting.removeLast() }
            let value = try node.substitute(text, lookup: value(of:))
            resolved[name] = value
            return value
        }
        for entry in declared { session.variables[entry.key] = try value(of: entry.key) }
    }

    /// The keys that name the manifest rather than describe the environment: `vars:`
    /// shows in the values it is substituted into.
    static let identityKeys: Set<String> = ["apiVersion", "kind", "name", "vars"]

    /// Every other top-level key with its value, variables substituted.
    static func sectionValues(
        _ root: ManifestNode, owners: [String: (checker: String, described: DescribedKeys?)]
    ) -> [SectionValue] {
        let entries = (try? root.entries()) ?? []
        return entries.compactMap { entry in
            guard !identityKeys.contains(entry.key), let value = try? entry.value.value() else { return nil }
            let owner = owners[entry.key] ?? (entry.key, nil)
            var positions: [String: SourcePosition] = [:]
            if case .map = value {
                for key in (try? entry.value.entries()) ?? [] { positions[key.key] = key.keyNode.position }
            }
            return SectionValue(
                key: entry.key, checker: owner.checker, described: owner.described, position: entry.keyNode.position,
                value: value, keyPositions: positions)
        }
    }

    /// YAML 1.2 core schema booleans: `yes`, `no`, `on` and `off` stay strings.
    static let resolver: Resolver = {
        guard let core = try? Resolver.default.replacing(.bool, with: "^(?:true|True|TRUE|false|False|FALSE)$") else {
            return Resolver.default
        }
        return core
    }()

    /// `error` from composing `text` (with `resolver`) as a positioned manifest error.
    static func syntaxError(_ error: Error, text: String, file: String, resolver: Resolver) -> ManifestError {
        func located(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> ManifestError {
            let detail = context.map { "\(problem) (\($0.text) at line \($0.mark.line))" } ?? problem
            // At the end of the stream (an unclosed quote or bracket) the problem's mark
            // is past the last line; where the unclosed thing starts is what to fix.
            let place = problem.contains("end of stream") ? context?.mark ?? mark : mark
            return ManifestError(
                position: SourcePosition(file: file, line: place.line, column: place.column), keyPath: "",
                message: "invalid YAML: \(detail)")
        }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return located(mark, problem, context)
        case .duplicatedKeysInMapping(let duplicates, let context):
            if let key = duplicates.first,
                let located = DuplicateKey.error(key, first: context.mark, in: text, file: file, resolver: resolver)
            {
                return located
            }
            return ManifestError(
                position: SourcePosition(file: file, line: context.mark.line, column: context.mark.column), keyPath: "",
                message: "duplicate key '\(duplicates.joined(separator: "', '"))'")
        default:
            return ManifestError(file: file, message: "invalid YAML: \(error)")
        }
    }

    private static func stem(of file: String) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        return base.split(separator: ".").first.map(String.init) ?? base
    }
}
