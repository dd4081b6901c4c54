import Foundation

/// An exclusive `flock` on one cached clone (`<clone>.lock` beside it), held while it is
/// cloned or fetched, so overlapping runs (cron firing while the last run is still
/// fetching, or `serve` and a manual run) take turns instead of fighting over the
/// clone's ref lock files or renaming half-made clones over each other.
///
/// Why `flock` rather than an in-process mutex: it works across processes, the kernel
/// drops it when its holder dies (a killed run never leaves the cache locked), and two
/// threads of one process conflict too because each lock opens its own descriptor.
/// Waiting is bounded by the caller: clone and fetch run on a thread the run abandons at
/// its deadline, the wait included.
final class CacheLock {
    private let descriptor: Int32

    /// Blocks until the lock on `target` is ours.
    init(for target: String) throws(GitError) {
        let path = target + ".lock"
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .libgit2(call: "mkdir", message: "cannot create the cache directory '\(directory)': \(error)")
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .libgit2(call: "open", message: "cannot open the cache lock '\(path)': \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw .libgit2(call: "flock", message: "cannot lock the cache '\(path)': \(reason)")
            }
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// A new scratch name beside `target` (`<clone>.partial-PID-RANDOM`), which
    /// `removeAbandonedClones` removes once it is abandoned.
    static func scratchName(for target: String) -> String {
        "\(target).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Removes the scratch directories (`<clone>.partial-*`) that interrupted clones of
    /// `target` left behind. Only ever called with the lock held: then no clone of this
    /// remote is in progress, so every one of them is abandoned.
    static func removeAbandonedClones(of target: String) {
        let directory = (target as NSString).deletingLastPathComponent
        let prefix = (target as NSString).lastPathComponent + ".partial-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
    }
}
