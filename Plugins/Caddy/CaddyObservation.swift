import Foundation
import ReconcileKit

/// Everything the Caddy checker's `observe` gathered: the config as JSON bytes (so unit
/// tests feed `compare` the JSON recorded from a real Caddy) and its route table,
/// normalised once here and shared by the comparison, the probes and the media chain
/// (a 1,000-route config took longer to normalise than to fetch, and it was done up to
/// three times a run).
public struct CaddyObservation: Sendable {
    /// The admin endpoint asked, as the manifest spells it (for messages).
    public let admin: String
    /// `GET /config/` on the admin API.
    public let live: AdminOutcome
    /// `live` normalised: the route table, or why there is none.
    public let liveRoutes: RoutesOutcome<AdminFailure>
    /// The `ETag` Caddy sent with that config (as a trailer): an apply sends it back in
    /// `If-Match`, so a config changed by someone else meanwhile is not overwritten.
    public let liveETag: String?
    /// The Caddyfile from git, adapted, when the manifest names one.
    public internal(set) var caddyfile: CaddyfileOutcome?
    /// Requests sent through Caddy when `probes: true`.
    public var probes: [CaddyProbeResult]

    public init(
        admin: String, live: AdminOutcome, liveETag: String? = nil, caddyfile: CaddyfileOutcome? = nil,
        probes: [CaddyProbeResult] = []
    ) {
        self.admin = admin
        self.live = live
        self.liveETag = liveETag
        self.caddyfile = caddyfile
        self.probes = probes
        liveRoutes =
            switch live {
            case .config(let data): RoutesOutcome(normalizing: data)
            case .failure(let failure): .unavailable(failure)
            }
    }
}

/// A config normalised into a route table, or why there is none: the source gave no
/// config (`Unavailable` says why), or what it gave is not a Caddy config.
public enum RoutesOutcome<Unavailable: Sendable>: Sendable {
    case table(CaddyRouteTable)
    case unavailable(Unavailable)
    case malformed(CaddyConfigError)

    init(normalizing data: Data) {
        do {
            self = .table(try CaddyConfigNormalizer.normalize(data))
        } catch {
            self = .malformed(error)
        }
    }

    /// The table, when there is one.
    public var table: CaddyRouteTable? {
        if case .table(let table) = self { return table }
        return nil
    }
}

/// What the admin API gave: the config's JSON, or why there was none.
public enum AdminOutcome: Sendable {
    case config(Data)
    case failure(AdminFailure)
}

/// Why the admin API gave no config. Each kind gets its own hint: a refused connection
/// ("is the admin API off?") needs a different fix than an HTTP error.
public struct AdminFailure: Sendable, Hashable {
    /// The failure classes that get different hints.
    public enum Kind: String, Sendable, Hashable {
        case connectionRefused, timeout, hostNotFound, httpStatus, truncated, transport
    }

    public var kind: Kind
    public var message: String
    /// The HTTP status, for `.httpStatus`.
    public var status: Int?
}

/// The Caddyfile named by `caddy.caddyfile`: its path, and the JSON `caddy adapt` made
/// of it, or why there is none.
public struct CaddyfileOutcome: Sendable {
    /// The adapted JSON, or why there is none (unreadable at the ref, `caddy` missing,
    /// a Caddyfile error with its line, a timeout).
    public enum Result: Sendable {
        case adapted(Data)
        case failed(String)
    }

    public let path: String
    public let result: Result
    /// The adapted JSON normalised (once): the desired route table, or why there is none.
    public let routes: RoutesOutcome<String>
    /// The Caddyfile and its imports as committed, with where each route's text lives
    /// (fixes quote it), when it was read.
    var committed: CommittedCaddyfile?

    public init(path: String, result: Result) {
        self.path = path
        self.result = result
        routes =
            switch result {
            case .adapted(let data): RoutesOutcome(normalizing: data)
            case .failed(let reason): .unavailable(reason)
            }
    }
}

/// One request sent through Caddy to prove a route behaves.
public struct CaddyProbeResult: Sendable, Hashable {
    /// What the probe proves.
    public enum Purpose: Sendable, Hashable {
        /// A file under the root is served at the route's path (prefix stripped if
        /// the route strips it): the bytes must be the file's.
        case file(localPath: String, size: Int, digest: UInt64)
        /// A proxied path must not answer 502/503/504 (the upstream is reachable).
        case upstream
    }

    /// What came back.
    public enum Outcome: Sendable, Hashable {
        case response(status: Int, size: Int, digest: UInt64, excerpt: String)
        case failure(String)
        /// The probe could not be prepared (no file in the root to ask for, …).
        case skipped(String)
    }

    public var route: PathPattern
    public var hosts: [String]
    public var url: String
    public var purpose: Purpose
    public var outcome: Outcome
    public var position: SourcePosition
}

/// FNV-1a, 64 bits: enough to tell "the same bytes" from "other bytes" in a probe
/// without keeping the bodies.
func fnv1a(_ data: Data) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in data {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return hash
}
