import ReconcileKit

/// What one request to a health URL produced: a response, or the transport failure.
public enum HealthAttempt: Sendable, Hashable, Codable {
    case response(HealthResponse)
    case failure(HealthFailure)
}

/// The parts of a response the comparison needs (the body only as a short excerpt
/// plus whether the expected text was in it, so nothing large is kept).
public struct HealthResponse: Sendable, Hashable, Codable {
    public var status: Int
    public var latencyMilliseconds: Int
    public var bodyExcerpt = ""
    public var bodyContainsExpected: Bool?
    public var location: String?
}

/// A request that got no HTTP answer.
public struct HealthFailure: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        case connectionRefused, hostNotFound, timeout, tls, other
        /// reconcile itself ran out of file descriptors: the server was never reached.
        case descriptorsExhausted
        /// Not sent: the run's request policy (dry-run is read-only) refused it.
        case refusedByPolicy
    }

    public var kind: Kind
    public var message: String
}

/// The observation of one check: its last attempt, how many were made, and whether the
/// configured token could be read (never the token itself).
public struct HealthCheckObservation: Sendable, Hashable, Codable {
    public var attempt: HealthAttempt
    public var attempts = 1
    /// Why the configured token could not be read, if it could not.
    public var tokenProblem: String?
}
