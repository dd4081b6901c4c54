/// GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`), so CI
/// shows manifest problems, drift and plan changes inline on the pull request.
///
/// Every field is escaped by `UntrustedText` when the command is written (controls
/// visible, length capped, then GitHub's own percent-encoding), so nothing a service or a
/// manifest says can end the command early or start another one (`%0A::set-output …`).
/// GitHub shows only so many annotations per step: `GitHubStepOutput` keeps to that.
public enum GitHubAnnotations {
    /// Manifest errors quote the manifest: a longer cap than a finding's field, since an
    /// error also lists the allowed keys.
    static let errorLimit = 1000

    public static func of(_ errors: [ManifestError]) -> [GitHubAnnotation] {
        errors.map { error in
            GitHubAnnotation(
                .error, position: error.position, title: "reconcile validate",
                message: error.keyPath.isEmpty ? error.message : "\(error.keyPath): \(error.message)", limit: errorLimit)
        }
    }

    /// Contradictions inside the desired state: an error or a warning at the line the
    /// fix most likely goes, the other side named in the message.
    public static func of(_ problems: [ConsistencyProblem]) -> [GitHubAnnotation] {
        problems.map { problem in
            let seeAlso = problem.related.map { " (see \($0.position.file):\($0.position.line): \($0.note))" }.joined()
            return GitHubAnnotation(
                problem.severity >= .error ? .error : .warning, position: problem.position,
                title: "reconcile validate (\(problem.rule.id))", message: problem.message + seeAlso, limit: errorLimit)
        }
    }

    /// Notices (not errors) at manifest positions: what a manifest lets reconcile
    /// execute or read (`reconcile validate`'s trust listing).
    public static func notices(_ notes: [(position: SourcePosition, message: String)]) -> [GitHubAnnotation] {
        notes.map { GitHubAnnotation(.notice, position: $0.position, title: "reconcile trust", message: $0.message, limit: errorLimit) }
    }

    /// A run's drift (errors) and what it could not observe (warnings), worst first; each
    /// field of a finding capped on its own.
    public static func of(_ report: Report) -> [GitHubAnnotation] {
        report.findingsWorstFirst.filter { $0.status != .ok }.map { finding in
            var message = "\(field(finding.resource)): \(field(finding.message))"
            if let fix = finding.fix { message += "\nfix: \(field(fix.summary))" }
            return GitHubAnnotation(
                finding.status == .drift ? .error : .warning, position: finding.position,
                title: "reconcile \(finding.checker)", message: message, limit: 4 * UntrustedText.defaultLimit)
        }
    }

    private static func field(_ text: String) -> String { UntrustedText.capped(text) }
}

/// One workflow command, its texts as written (escaped only in `command`), so the same
/// annotation can also be a row of the step summary.
public struct GitHubAnnotation: Sendable, Hashable {
    /// GitHub's three annotation levels; each has its own per-step limit.
    public enum Level: String, Sendable, CaseIterable {
        case error, warning, notice
    }

    public let level: Level
    public let position: SourcePosition?
    public let title: String
    public let message: String
    /// The most characters of `message` shown.
    let limit: Int

    public init(_ level: Level, position: SourcePosition?, title: String, message: String, limit: Int = UntrustedText.defaultLimit) {
        self.level = level
        self.position = position
        self.title = title
        self.message = message
        self.limit = limit
    }

    /// The workflow command line, newline-ended.
    public var command: String {
        var properties: [String] = []
        if let position {
            properties += [
                "file=\(UntrustedText.annotationProperty(position.file))", "line=\(position.line)", "col=\(position.column)",
            ]
        }
        properties.append("title=\(UntrustedText.annotationProperty(title))")
        return "::\(level.rawValue) \(properties.joined(separator: ","))::\(UntrustedText.annotationMessage(message, limit: limit))\n"
    }
}

extension [GitHubAnnotation] {
    /// Every annotation as a workflow command, in order, none left out (see
    /// `GitHubStepOutput` for what a step may print).
    public var commands: String { map(\.command).joined() }
}
