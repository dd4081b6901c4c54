import Foundation

/// Files as they are in a working tree, for testing an uncommitted edit (`--worktree`).
///
/// The tree is as untrusted as a commit, and reconcile runs as root: a committed symbolic
/// link `manifests/prod.yaml -> /proc/self/environ` would otherwise put reconcile's whole
/// environment, tokens included, into a YAML error and from there into a pull-request
/// annotation. So every path is confined to the tree: no absolute paths, no `..`, and
/// after resolving every symbolic link the file must still be inside the tree (links
/// within the tree are fine) and be a regular file (not a FIFO that blocks or a device).
public struct WorktreeSource: DesiredStateSource {
    let root: String
    public let origin: SourceOrigin

    public func read(_ path: String) throws -> Data {
        let resolved = try confined(path)
        // O_NOFOLLOW: the resolved path has no links left, so a link planted there since
        // (a race) is refused rather than followed.
        let descriptor = open(resolved, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw SourceError.noSuchFile(path: path, in: root) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw SourceError.outsideWorktree(path: path, reason: "not a regular file")
        }
        return try handle.readToEnd() ?? Data()
    }

    public func list(_ directory: String) throws -> [String] {
        let full = try confined(directory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: full) else {
            throw SourceError.noSuchFile(path: directory, in: root)
        }
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(full)/\(name)", isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }
        .map { directory.isEmpty ? $0 : "\(directory.hasSuffix("/") ? String(directory.dropLast()) : directory)/\($0)" }
        .sorted()
    }

    /// The real path of a repository-relative `path`, or why it is refused. The refusal
    /// never names where a link points: only that it leaves the tree.
    func confined(_ path: String) throws -> String {
        if path.hasPrefix("/") {
            throw SourceError.outsideWorktree(path: path, reason: "an absolute path; name a file inside the repository")
        }
        if path.split(separator: "/").contains("..") {
            throw SourceError.outsideWorktree(path: path, reason: "'..' leaves the working tree")
        }
        guard let realRoot = Self.realPath(root) else { throw SourceError.noSuchFile(path: path, in: root) }
        guard let real = Self.realPath((root as NSString).appendingPathComponent(path)) else {
            throw SourceError.noSuchFile(path: path, in: root)
        }
        guard real == realRoot || real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/") else {
            throw SourceError.outsideWorktree(path: path, reason: "a symbolic link that resolves outside the working tree")
        }
        return real
    }

    /// realpath(3): every link, `.` and `..` resolved; nil when something is missing.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
