/// A kind of contradiction inside the desired state, with an identifier that never
/// changes: machine formats (SARIF `ruleId`, JUnit, JSON) and people's suppressions key
/// on it, so it is declared once, next to the check that reports it.
public struct ConsistencyRule: Sendable, Hashable {
    /// Stable identifier, kebab-case (`media-root`).
    public let id: String
    /// Errors fail `validate`; warnings fail it only with `--strict`.
    public let severity: Severity
    /// One line on what the rule catches (SARIF's `shortDescription`).
    public let summary: String

    public init(_ id: String, _ severity: Severity, _ summary: String) {
        self.id = id
        self.severity = severity
        self.summary = summary
    }

    /// A problem of this kind at `position`, contradicted by what `related` points at.
    public func problem(_ message: String, at position: SourcePosition, related: [ConsistencyProblem.Related] = [])
        -> ConsistencyProblem
    {
        ConsistencyProblem(rule: self, message: message, position: position, related: related)
    }
}

/// Two places of the desired state that cannot both be right (a MEDIA_ROOT that no
/// mount provides, a route no request reaches), found without looking at the
/// environment, so a pull request can be stopped before anything is deployed.
public struct ConsistencyProblem: Sendable, Hashable {
    /// The other side of the contradiction.
    public struct Related: Sendable, Hashable {
        public let position: SourcePosition
        /// What is there (`Django MEDIA_ROOT`).
        public let note: String

        public init(_ note: String, at position: SourcePosition) {
            self.note = note
            self.position = position
        }
    }

    public let rule: ConsistencyRule
    /// The checker whose section reported it (set by `DesiredState`).
    public internal(set) var checker = ""
    public let message: String
    /// Where the fix most likely goes.
    public let position: SourcePosition
    public let related: [Related]

    public var severity: Severity { rule.severity }
}

extension ConsistencyProblem: CustomStringConvertible {
    /// `file:line:col: error[media-root]: message (see file:line: note)`.
    public var description: String {
        let seeAlso = related.map { " (see \($0.position.file):\($0.position.line): \($0.note))" }.joined()
        return "\(position.file):\(position.line):\(position.column): \(severity.rawValue)[\(rule.id)]: \(message)\(seeAlso)"
    }
}
