/// An external checker: a program in any language that speaks reconcile's plugin protocol
/// (docs/plugin-protocol.md) over stdin and stdout, and checks one top-level section of the
/// manifest. It exists so that operators can check what reconcile does not know (a TLS
/// certificate, a database, a queue) without writing Swift or rebuilding reconcile.
///
/// Two places declare one: the manifest's `plugins:` list (the program comes from the
/// config repository at the same commit, or is an absolute path on this host, and runs
/// only when the operator config lists its name under `plugins:`), and `--plugin-dir DIR`
/// (executables named `reconcile-check-NAME`, put there by the operator).
public struct ExternalPlugin: Sendable, Hashable {
    /// Where the declaration comes from, which decides whether the operator config is asked.
    public enum Origin: Sendable, Hashable {
        /// A `plugins:` entry of the manifest: written by whoever can push to the repository.
        case manifest
        /// An executable in `--plugin-dir`: put there by the operator of this host.
        case directory
    }

    /// The checker identifier (`--only`, the reports' `checker` field).
    public let name: String
    /// The program and its arguments, as declared.
    public let command: [String]
    /// The top-level manifest key holding the plugin's spec.
    public let section: String
    public let origin: Origin
    /// Where it was declared (the `plugins:` entry, or the executable's path as file).
    public let position: SourcePosition
    /// The declaration's key path (`plugins[0].command`), empty for a directory's plugin.
    public let keyPath: String

    public init(name: String, command: [String], section: String, origin: Origin, position: SourcePosition, keyPath: String) {
        self.name = name
        self.command = command
        self.section = section
        self.origin = origin
        self.position = position
        self.keyPath = keyPath
    }

    /// Checker and section names: lower-case words joined by `-` or `_`.
    static let namePattern = "[a-z][a-z0-9_-]*"

    /// What the operator config is asked before a manifest's plugin runs.
    var trustRequest: TrustRequest { .externalChecker(name: name, command: command.joined(separator: " ")) }

    /// The declaration of its section at the manifest's top level: any value (the plugin's
    /// own `--schema` judges it, in `reconcile validate`).
    var sectionDeclaration: SectionDeclaration {
        SectionDeclaration(
            key: section, shape: .anyValue, summary: "The spec of the external checker \(name) (see docs/plugin-protocol.md).")
    }
}

/// The manifest's `plugins:` list.
enum PluginsSection {
    static let key = "plugins"
    static let summary =
        "External checkers: programs speaking reconcile's plugin protocol (docs/plugin-protocol.md), each checking its own top-level section."
    static let entry = ManifestObject([
        .required(
            "name", .string(.pattern(ExternalPlugin.namePattern, hint: "a checker name (a-z, 0-9, - and _)")),
            "The checker identifier, for --only and the reports' checker field."),
        .required(
            "command", .list(.string(.nonEmpty)),
            "The program and its arguments: a path in the config repository (read at the same commit), an absolute path, or a name found in /usr/local/bin, /usr/bin or /bin; arguments naming files of the repository are passed those files."
        ),
        .optional(
            "section", .string(.pattern(ExternalPlugin.namePattern, hint: "a top-level key (a-z, 0-9, - and _)")),
            "The top-level key holding the plugin's spec (default: its name)."),
    ])
    static let shape = ManifestShape.list(.object(entry))

    /// The manifest's plugins and the directory's, each checked against the names already
    /// taken (built-in checkers, core keys, each other). Problems are reported on the
    /// session; the plugins that are sound are returned.
    static func read(_ root: ManifestNode, taken: (identifiers: [String], keys: [String]), directory: [ExternalPlugin])
        -> [ExternalPlugin]
    {
        guard root.isMapping, let node = (try? root.entries())?.first(where: { $0.key == key })?.value, !node.isNull else {
            return directory
        }
        var plugins = directory
        do {
            try node.check(shape)
            for item in try node.list() {
                do {
                    let map = try item.mapping(entry)
                    let nameNode = try map.required("name")
                    let name = try nameNode.string()
                    let commandNode = try map.required("command")
                    let command = try commandNode.stringList()
                    let section = try map.optional("section")?.string() ?? name
                    guard !command.isEmpty else { throw commandNode.error("must name a program") }
                    for argument in command where PluginFiles.leavesRepository(argument) {
                        throw commandNode.error("\(ManifestNode.quoted(argument)) leaves the repository ('..'); name a file inside it")
                    }
                    if taken.identifiers.contains(name) || plugins.contains(where: { $0.name == name }) {
                        let other =
                            plugins.first { $0.name == name }.map { $0.origin == .directory ? " (in --plugin-dir)" : "" } ?? " (built in)"
                        throw nameNode.error("a checker named \(ManifestNode.quoted(name)) already exists\(other)")
                    }
                    if taken.keys.contains(section) || plugins.contains(where: { $0.section == section }) {
                        throw (map.optional("section") ?? nameNode).error(
                            "the top-level key \(ManifestNode.quoted(section)) is already taken; give the plugin another section:")
                    }
                    plugins.append(
                        ExternalPlugin(
                            name: name, command: command, section: section, origin: .manifest, position: commandNode.position,
                            keyPath: commandNode.keyPath))
                } catch let error as ManifestError {
                    item.report(error)
                }
            }
        } catch let error as ManifestError {
            node.report(error)
        } catch {
            node.report(node.error("\(error)"))
        }
        return plugins
    }
}
