import Foundation

/// `--plugin-dir DIR`: the operator's external checkers, executables named
/// `reconcile-check-NAME` (like git's subcommands), each checking the section `NAME:`
/// of any manifest that has one. The operator put them on this host, so they run without
/// the operator config's `plugins:` list.
public struct PluginDirectory: Sendable {
    public static let prefix = "reconcile-check-"

    public let path: String?
    public let plugins: [ExternalPlugin]

    /// No directory: no plugins.
    public static let none = PluginDirectory(path: nil, plugins: [])

    /// The executables in `path` named `reconcile-check-NAME` (regular files or links to
    /// them, with an execute bit), sorted by name; other files are ignored.
    public static func discover(_ path: String) throws(PluginDirectoryError) -> PluginDirectory {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
            let names = try? manager.contentsOfDirectory(atPath: path)
        else {
            throw PluginDirectoryError(message: "--plugin-dir \(path): not a readable directory")
        }
        let absolute = path.hasPrefix("/") ? path : manager.currentDirectoryPath + "/" + path
        let plugins = names.sorted().compactMap { file -> ExternalPlugin? in
            guard file.hasPrefix(prefix) else { return nil }
            let name = String(file.dropFirst(prefix.count))
            let program = (absolute as NSString).appendingPathComponent(file)
            guard name.range(of: "^\(ExternalPlugin.namePattern)$", options: .regularExpression) != nil,
                manager.isExecutableFile(atPath: program), !isDirectoryAt(program)
            else { return nil }
            return ExternalPlugin(
                name: name, command: [program], section: name, origin: .directory,
                position: SourcePosition(file: program, line: 1, column: 1), keyPath: "")
        }
        return PluginDirectory(path: absolute, plugins: plugins)
    }

    private static func isDirectoryAt(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

/// `--plugin-dir` names something that is not a readable directory.
public struct PluginDirectoryError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
