import Foundation

/// The result of one run, in the shape of the versioned JSON report. Renderers turn it
/// into text for humans or annotations for CI; none of them do any I/O.
public struct Report: Sendable, Codable {
    /// Bumped only on incompatible changes to this shape.
    public static let currentVersion = 1

    public struct Source: Sendable, Codable, Hashable {
        public let repo: String
        public let ref: String
        public let commit: String?
        /// The manifest file read, or the directory when several were.
        public let manifest: String
        public let worktree: Bool

        /// `commit` is written as `null` when there is none (a work tree without commits).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(repo, forKey: .repo)
            try container.encode(ref, forKey: .ref)
            try container.encode(commit, forKey: .commit)
            try container.encode(manifest, forKey: .manifest)
            try container.encode(worktree, forKey: .worktree)
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
        source = Source(
            repo: origin.repo, ref: origin.ref, commit: origin.commit, manifest: manifest, worktree: origin.worktree)
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
    /// not be observed (1 is for errors, decided before a report exists).
    public var exitCode: Int32 {
        switch status {
        case .ok: 0
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
