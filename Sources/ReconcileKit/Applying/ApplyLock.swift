import Foundation

/// One apply at a time on a host: an exclusive `flock(2)` on the standard state
/// directory's `apply.lock` (`StateDirectory.applyLock`; never beside `--journal`, or two
/// runs naming different journals would change the same services at once), holding the
/// owner's pid so a second run can say whom it waits for. The kernel drops
/// the lock when the process dies, however it dies, so there is never a stale lock.
/// Dry runs never take it.
public final class ApplyLock: Sendable {
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock, waiting up to `wait` (nil or zero: not at all) for another
    /// run to release it, and no longer once `interruption` reports a signal: nothing
    /// has changed yet, so a Ctrl-C while waiting ends the run at once.
    /// - Throws: `ApplyLockBusy` naming the holder's pid, `ApplyInterrupted`, or `StateError`.
    public static func acquire(_ path: String, wait: Duration? = nil, interruption: Interruption? = nil) async throws -> ApplyLock {
        try StateDirectory.create((path as NSString).deletingLastPathComponent)
        // Never through a symbolic link: a planted one would make root truncate its target.
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StateError("cannot open the apply lock \(path): \(String(cString: strerror(errno)))")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + (wait ?? .zero)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw StateError("cannot lock \(path): \(reason)")
            }
            if let signal = interruption?.requested {
                close(descriptor)
                throw ApplyInterrupted(signal: signal, while: "waiting for the apply lock")
            }
            if clock.now >= deadline {
                let holder = holderPID(descriptor)
                close(descriptor)
                throw ApplyLockBusy(pid: holder)
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return ApplyLock(path: path, descriptor: descriptor)
    }

    /// The pid the holder wrote, if readable.
    private static func holderPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Another process holds the apply lock.
public struct ApplyLockBusy: Error, Sendable, CustomStringConvertible {
    public let pid: Int32?
    public var description: String { "another reconcile is applying (pid \(pid.map(String.init) ?? "unknown"))" }
}

/// A signal came before anything was applied: the run ends with nothing changed.
public struct ApplyInterrupted: Error, Sendable, CustomStringConvertible {
    public let signal: Int32
    /// What the run was doing (`waiting for the apply lock`).
    public let activity: String

    public init(signal: Int32, while activity: String) {
        self.signal = signal
        self.activity = activity
    }

    public var description: String { "interrupted by signal \(signal) while \(activity); nothing was applied" }
}
