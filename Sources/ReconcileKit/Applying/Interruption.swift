import Synchronization

/// Whether the run was asked to stop (SIGTERM, SIGINT). An apply never stops in the
/// middle of an action: it looks at this between actions and before verifying, and
/// then undoes what it applied, so neither half a Caddy config nor two copies of a
/// container are left behind.
public final class Interruption: Sendable {
    private let signal = Atomic<Int32>(0)

    public init() {}

    /// Records the signal (the first one counts).
    /// - Returns: whether this was the first request.
    @discardableResult
    public func request(_ signalNumber: Int32) -> Bool {
        signal.compareExchange(expected: 0, desired: signalNumber, ordering: .sequentiallyConsistent).exchanged
    }

    /// The signal that asked to stop, or nil.
    public var requested: Int32? {
        let value = signal.load(ordering: .sequentiallyConsistent)
        return value == 0 ? nil : value
    }
}
