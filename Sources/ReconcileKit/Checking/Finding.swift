/// What a check concluded about one resource. `unknown` means "could not observe" and
/// is never folded into `ok`: an unreachable service must not look healthy.
public enum Status: String, Sendable, Codable, CaseIterable, Comparable {
    case ok
    case unknown
    case drift

    /// Worst-of order, the order of declaration: ok < unknown < drift.
    public static func < (lhs: Status, rhs: Status) -> Bool { allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)! }

    /// The worst of several statuses (ok when there are none).
    public static func worst<S: Sequence>(of statuses: S) -> Status where S.Element == Status {
        statuses.max() ?? .ok
    }
}

/// How much a finding matters to whoever is paged: a shadowed route is an error, an
/// extra unmanaged route is a warning, an `ok` is info.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case info
    case warning
    case error
    case critical

    /// The order of declaration: info < warning < error < critical.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)! }
}

/// A concrete suggested repair: a one-line summary and, when it helps, a snippet in a
/// named language (a Caddyfile block, a compose entry, a settings.py line, a command).
public struct Fix: Sendable, Hashable, Codable, EncodesEveryField {
    public var summary: String
    public var snippet: String?
    /// `caddyfile`, `yaml`, `python`, `shell`, … (for highlighting and for humans).
    public var language: String?

    public init(summary: String, snippet: String? = nil, language: String? = nil) {
        self.summary = summary
        self.snippet = snippet
        self.language = language
    }
}

/// One conclusion of one checker about one resource: the unit every report is made of.
public struct Finding: Sendable, Hashable, Codable, EncodesEveryField {
    /// The checker identifier (`health`, `caddy`, …).
    public var checker: String
    /// The thing itself: a route path, a container name, a setting, a health check name.
    public var resource: String
    public var status: Status
    public var severity: Severity
    /// The desired value, rendered for humans (nil when not applicable).
    public var expected: String?
    /// What was observed, rendered for humans (nil when nothing could be observed).
    public var observed: String?
    /// One sentence on what is wrong (or right).
    public var message: String
    public var fix: Fix?
    /// Where the desired state was declared, so editors and annotations can point at it.
    public var position: SourcePosition?
    /// For drift: what apply would do about it (`would: …`) or why nothing (`manual: …`).
    /// Set by the reconciler's plan, never by a checker's `compare`.
    public var plan: String?

    public init(
        checker: String, resource: String, status: Status, severity: Severity? = nil,
        expected: String? = nil, observed: String? = nil, message: String, fix: Fix? = nil,
        position: SourcePosition? = nil
    ) {
        self.checker = checker
        self.resource = resource
        self.status = status
        self.severity = severity ?? (status == .ok ? .info : .error)
        self.expected = expected
        self.observed = observed
        self.message = message
        self.fix = fix
        self.position = position
    }
}
