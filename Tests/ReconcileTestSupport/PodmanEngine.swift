import Foundation
import ReconcileKit
import Synchronization
import TestSupport

/// One real Docker-compatible engine for the whole test process: Podman's API service
/// (`podman system service`) on a socket in a temp dir, over a private store (its own
/// `--root`/`--runroot`/`--tmpdir`, vfs driver), so tests never see or touch another
/// engine's containers and leave no mounts behind.
///
/// Started lazily by the first test that needs it (Swift Testing runs tests in
/// parallel; `static let` initialisation is once-only and thread-safe), and stopped by
/// pid at process exit, after removing every container, volume and image in its store.
/// Tests still remove what they create as they finish, and name their containers
/// uniquely (`Scene`) so parallel tests never collide.
public final class PodmanEngine: Sendable {
    public static let image = "localhost/reconcile-busybox:test"

    public let directory: String
    public let socketPath: String
    public let service: ManagedProcess

    private static let started: Result<PodmanEngine, any Error> = Result { try PodmanEngine() }

    /// The shared engine, started on first use.
    public static func shared() throws -> PodmanEngine { try started.get() }

    public var endpoint: String { "unix://\(socketPath)" }

    private init() throws {
        // Not a TemporaryDirectory value: that would delete the store before podman has
        // released it; `shutdown` removes it after the service stopped.
        directory = try TemporaryDirectory.make(prefix: "reconcile-podman")
        socketPath = "\(directory)/docker.sock"

        let tarball = "\(directory)/busybox.tar"
        try runChecked("\(TestPaths.repositoryRoot)/scripts/podman-busybox-image.sh", [tarball])
        try runChecked("podman", Self.storeArguments(directory) + ["import", "--quiet", tarball, Self.image])
        service = try ManagedProcess(
            "podman", Self.storeArguments(directory) + ["system", "service", "--time=0", "unix://\(socketPath)"])
        let socket = socketPath
        try service.waitUntilReady("podman system service on \(socket)") { isListening(unixSocket: socket) }
        atexit { PodmanEngine.shutdownAtExit() }
    }

    /// The flags that select this engine's private store (and runc, see ENVIRONMENT.md).
    public static func storeArguments(_ directory: String) -> [String] {
        [
            "--root", "\(directory)/root", "--runroot", "\(directory)/runroot", "--tmpdir", "\(directory)/tmp",
            "--storage-driver", "vfs", "--runtime", "runc", "--events-backend", "file",
        ]
    }

    /// Runs the podman CLI on this engine's store and returns its stdout.
    @discardableResult
    public func podman(_ arguments: [String]) throws -> String {
        try runChecked("podman", Self.storeArguments(directory) + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `podman run -d` with the ulimits these machines need.
    @discardableResult
    public func run(_ name: String, _ arguments: [String], command: [String] = ["sleep", "1000"]) throws -> String {
        try podman(["run", "-d"] + Self.container(name, arguments, command))
    }

    /// `podman create` (a container that was never started).
    @discardableResult
    public func create(_ name: String, _ arguments: [String] = [], command: [String] = ["sleep", "1000"]) throws -> String {
        try podman(["create"] + Self.container(name, arguments, command))
    }

    /// The name, the ulimits these machines need, `arguments`, the image and `command`.
    private static func container(_ name: String, _ arguments: [String], _ command: [String]) -> [String] {
        ["--name", name, "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"] + arguments + [image] + command
    }

    /// Removes containers and volumes a test made; failures are ignored (the exit
    /// sweep catches anything left).
    public func remove(containers: [String], volumes: [String] = []) {
        // --ignore: a test may have removed some already; the rest must still go.
        if !containers.isEmpty { _ = try? podman(["rm", "-f", "--ignore", "-t", "0"] + containers) }
        if !volumes.isEmpty { _ = try? podman(["volume", "rm", "-f"] + volumes) }
    }

    private static func shutdownAtExit() {
        guard case .success(let engine) = started else { return }
        engine.shutdown()
    }

    /// Removes everything in the private store, stops the service by pid, and deletes
    /// the directory.
    public func shutdown() {
        _ = try? podman(["rm", "-af", "-t", "0"])
        _ = try? podman(["volume", "rm", "-af"])
        _ = try? podman(["rmi", "-af"])
        service.stop()
        try? FileManager.default.removeItem(atPath: directory)
        // The service's log directory (ManagedProcess's own, never deinitialised here).
        try? FileManager.default.removeItem(atPath: (service.logPath as NSString).deletingLastPathComponent)
    }
}

/// Unique container and volume names for one test, so parallel tests share the engine
/// without seeing each other's containers, and the list to remove afterwards.
public final class Scene: Sendable {
    public let engine: PodmanEngine
    public let prefix: String
    private let names = Mutex<(containers: [String], volumes: [String])>(([], []))

    public init() throws {
        engine = try PodmanEngine.shared()
        prefix = "t" + UUID().uuidString.prefix(8).lowercased()
    }

    /// `prefix-name`, remembered for cleanup.
    public func container(_ name: String) -> String {
        let full = "\(prefix)-\(name)"
        names.withLock { $0.containers.append(full) }
        return full
    }

    public func volume(_ name: String) -> String {
        let full = "\(prefix)_\(name)"
        names.withLock { $0.volumes.append(full) }
        return full
    }

    /// Removes this test's containers and volumes.
    public func tearDown() {
        let (containers, volumes) = names.withLock { $0 }
        engine.remove(containers: containers, volumes: volumes)
    }
}
