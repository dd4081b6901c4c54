import Foundation

/// A real program running under another name: a copy of its binary in a temporary
/// directory, so the kernel shows that name (`/proc/<pid>/comm` and `exe`). How a test
/// puts an `nginx` on the host without installing nginx. Stopped by pid.
public final class RenamedProcess: Sendable {
    public let process: ManagedProcess
    /// Where the copy is (what `/proc/<pid>/exe` points at).
    public let path: String
    private let scratch: TemporaryDirectory

    /// Starts `program` (a name on PATH or a path; symbolic links followed) copied as
    /// `name`, and returns once the kernel shows it under that name.
    public init(_ program: String, as name: String, _ arguments: [String]) throws {
        scratch = try TemporaryDirectory(prefix: "reconcile-renamed")
        path = scratch.file(name)
        let binary = URL(fileURLWithPath: resolveExecutable(program)).resolvingSymlinksInPath().path
        try FileManager.default.copyItem(atPath: binary, toPath: path)
        let process = try ManagedProcess(path, arguments)
        self.process = process
        let comm = "/proc/\(process.pid)/comm"
        try process.waitUntilReady("\(name) to run") { (try? String(contentsOfFile: comm, encoding: .utf8)) == "\(name.prefix(15))\n" }
    }

    public var pid: Int32 { process.pid }
}
