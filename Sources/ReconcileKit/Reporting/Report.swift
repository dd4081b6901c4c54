import Foundation

/// The result of one run, in the shape of the versioned JSON report. Renderers turn it
/// into text for humans or annotations for CI; none of them do any I/O.
public struct Report: Sendable, Codable {
    /// Bumped only on incompatible changes to this shape.
    public static let currentVersion = 1

    /// Where the desired state came from (`SourceOrigin`, encoded with its keys) and
    /// which manifest was read.
    public struct Source: Sendable, Codable, Hashable {
        public let origin: SourceOrigin
        /// The manifest file read, or the directory when several were.
        public let manifest: String

        public var repo: String { origin.repo }
        public var ref: String { origin.ref }
        public var commit: String? { origin.commit }
        public var worktree: Bool { origin.worktree }
        /// The remote could not be fetched; the commit is the cached clone's (see `lastFetched`).
        public var stale: Bool { origin.stale }
        /// ISO 8601 time of the cached clone's last successful fetch; nil for local repositories.
        public var lastFetched: String? { origin.lastFetched.map(SourceOrigin.timestamp) }

        private enum CodingKeys: String, CodingKey { case manifest }

        init(origin: SourceOrigin, manifest: String) {
            self.origin = origin
            self.manifest = manifest
        }

        /// One flat object: the origin's keys plus `manifest`.
        public func encode(to encoder: any Encoder) throws {
            try origin.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(manifest, forKey: .manifest)
        }

        public init(from decoder: any Decoder) throws {
            origin = try SourceOrigin(from: decoder)
            manifest = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .manifest)
        }
    }

    public struct Summary: Sendable, Codable, Hashable {
        public let ok: Int
        public let drift: Int
        public let unknown: Int
    }

    public let version: Int
    public let source: Source
    public let mode: RunMode
    public let summary: Summary
    public let findings: [Finding]
    /// What apply planned or did, in execution order (empty when nothing drifted).
    public let actions: [ActionOutcome]

    public init(
        origin: SourceOrigin, manifest: String, mode: RunMode, findings: [Finding], actions: [ActionOutcome] = []
    ) {
        version = Self.currentVersion
        source = Source(origin: origin, manifest: manifest)
        self.mode = mode
        summary = Summary(
            ok: findings.count { $0.status == .ok },
            drift: findings.count { $0.status == .drift },
            unknown: findings.count { $0.status == .unknown })
        self.findings = findings
        self.actions = actions
    }

    /// The worst status of all findings.
    public var status: Status { Status.worst(of: findings.map(\.status)) }

    /// Exit code contract: 0 in sync, 2 drift, 3 nothing drifted but something could
    /// not be observed, or the desired state itself is stale (the remote could not be
    /// fetched); 1 is for errors, decided before a report exists.
    public var exitCode: Int32 {
        switch status {
        case .ok: source.stale ? 3 : 0
        case .drift: 2
        case .unknown: 3
        }
    }

    /// Findings worst first (drift, unknown, ok), stable within a status.
    public var findingsWorstFirst: [Finding] {
        findings.enumerated().sorted { a, b in
            a.element.status != b.element.status ? a.element.status > b.element.status : a.offset < b.offset
        }.map(\.element)
    }
}
