import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The files an external checker's command names, made runnable: a program by absolute
/// path is used as it is; a program or argument that is a path in the config repository
/// is read at the same commit (never from a checkout, which may be ahead or dirty) into a
/// private temporary directory (mode 0700, the program with its execute bit), together with
/// the other files of its directory (a script's helper modules), and the command runs
/// there. A bare program name (`python3`) is looked up in /usr/local/bin, /usr/bin and /bin
/// only: never in a directory the manifest chooses, nor in the caller's PATH.
final class PluginFiles {
    /// The private directory the command runs in; removed by `deinit`.
    let directory: String
    /// The program to start (absolute).
    let executable: String
    /// The arguments after the program, as declared (repository paths resolve against
    /// `directory`).
    let arguments: [String]

    static let systemDirectories = ["/usr/local/bin", "/usr/bin", "/bin"]

    /// True for a relative path with a `..` part: it would name a file outside the
    /// repository.
    static func leavesRepository(_ argument: String) -> Bool {
        !argument.hasPrefix("/") && argument.split(separator: "/").contains("..")
    }

    init(command: [String], source: any DesiredStateSource) throws(PluginLaunchError) {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("reconcile-plugin-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw PluginLaunchError("cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        arguments = Array(command.dropFirst())
        let program = command[0]
        var copied: Set<String> = []
        do {
            if program.hasPrefix("/") {
                executable = program
            } else if program.contains("/") {
                guard try Self.copy(program, from: source, into: directory, copied: &copied) else {
                    throw PluginLaunchError("\(program) is not a file of the config repository at \(source.origin.shortCommitOrRef)")
                }
                executable = directory + "/" + program
                guard chmod(executable, 0o700) == 0 else {
                    throw PluginLaunchError("cannot make \(program) executable: \(String(cString: strerror(errno)))")
                }
            } else {
                guard let found = Self.systemDirectories.map({ $0 + "/" + program }).first(where: FileManager.default.isExecutableFile)
                else {
                    throw PluginLaunchError(
                        "no program \(program) in \(Self.systemDirectories.joined(separator: ", ")) (give its absolute path)")
                }
                executable = found
            }
            for argument in arguments where !argument.hasPrefix("-") && !argument.hasPrefix("/") && !argument.isEmpty {
                _ = try Self.copy(argument, from: source, into: directory, copied: &copied)
            }
        } catch let error as PluginLaunchError {
            Self.remove(directory)
            throw error
        } catch {
            Self.remove(directory)
            throw PluginLaunchError("\(error)")
        }
    }

    deinit { Self.remove(directory) }

    /// Copies `path` and its directory's other files from the repository; false when the
    /// repository has no such file (an argument that is not a path).
    private static func copy(_ path: String, from source: any DesiredStateSource, into directory: String, copied: inout Set<String>)
        throws -> Bool
    {
        guard !leavesRepository(path), let data = try? source.read(path) else { return false }
        let folder = (path as NSString).deletingLastPathComponent
        var files = [(path, data)]
        for sibling in (try? source.list(folder)) ?? [] where sibling != path && !copied.contains(sibling) {
            if let contents = try? source.read(sibling) { files.append((sibling, contents)) }
        }
        for (file, contents) in files where copied.insert(file).inserted {
            let target = directory + "/" + file
            try FileManager.default.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            guard FileManager.default.createFile(atPath: target, contents: contents, attributes: [.posixPermissions: 0o600]) else {
                throw PluginLaunchError("cannot write \(file) into \(directory)")
            }
        }
        return true
    }

    private static func remove(_ directory: String) {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Why an external checker could not be started (nothing ran).
struct PluginLaunchError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
