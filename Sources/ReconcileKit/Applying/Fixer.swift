import CurlHTTP
import Foundation
import Logging
import Synchronization

/// A checker that can also repair what it finds. The second half of the contract, beside
/// `Checker`, kept as strictly apart as observe and compare are:
/// - `plan` is pure: the spec, the observation that was compared and its findings in,
///   one `Remedy` per drift finding out (by the finding's index). Unit tests feed it
///   recorded observations, exactly like `compare`.
/// - `apply` does one action's I/O and returns what `undo` needs to restore the state
///   before it (the Caddy config it replaced, the container it stopped).
///
/// The reconciler owns everything around them: which actions the `apply:` policy allows,
/// their order, the journal, re-observation, verification and rollback.
public protocol Fixer: Checker {
    /// What `undo` needs; kept in memory only, never rendered.
    associatedtype Applied: Sendable

    /// Pure. Remedies keyed by the index of the drift finding they answer; a drift finding
    /// without one is reported as manual with the checker's `manualReason`.
    func plan(_ spec: Spec, observation: Observation, findings: [Finding]) -> [Int: Remedy]

    /// Performs `action` (one this checker planned). Throw `ApplyConflict` when the live
    /// state changed since it was observed: the reconciler then observes again and
    /// re-plans once.
    func apply(_ action: Action, spec: Spec, in context: ApplyContext) async throws -> Applied

    /// Restores the state from before `apply` returned `applied`.
    func undo(_ applied: Applied, spec: Spec, in context: ApplyContext) async throws

    /// The run was verified (or is kept without rollback): drops what only `undo`
    /// needed, such as the old container a Docker recreate parked.
    func finish(_ applied: Applied, spec: Spec, in context: ApplyContext) async throws
}

extension Fixer {
    /// Most actions keep nothing for undo outside the process.
    public func finish(_ applied: Applied, spec: Spec, in context: ApplyContext) async throws {}
}

extension Checker {
    public static var manualReason: String { "\(identifier) has no automatic repair; apply the fix by hand" }
}

/// The live state changed between observation and apply (Caddy's 412 to `If-Match`).
public struct ApplyConflict: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The service does not offer the call an action makes (an engine answering 404 for the
/// endpoint itself): the reconciler tries the action's next allowed alternative, and
/// without one reports this as the failure.
public struct ApplyUnsupported: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An action that failed and put back, by itself, everything it had changed (a Docker
/// recreate whose replacement died, with the old container running again under its
/// name): reported `rolled_back`, since nothing of it remains, and the run is undone.
public struct ApplyUndone: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A failed action with the service's own words, for the report and the journal.
public struct ApplyFailure: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Values one action of a run leaves for the next, by key (a plugin prefixes its keys
/// with its identifier).
public final class ApplyMemory: Sendable {
    private let values = Mutex<[String: any Sendable]>([:])

    public init() {}

    public subscript(key: String) -> (any Sendable)? {
        get { values.withLock { $0[key] } }
        set { values.withLock { $0[key] = newValue } }
    }
}
