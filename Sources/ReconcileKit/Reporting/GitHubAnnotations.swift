/// GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`), so CI
/// shows manifest problems and drift inline on the pull request.
///
/// Every field is escaped by `UntrustedText` (controls visible, length capped, then
/// GitHub's own percent-encoding), so nothing a service or a manifest says can end the
/// command early or start another one (`%0A::set-output …`).
public enum GitHubAnnotations {
    /// Manifest errors quote the manifest: a longer cap than a finding's field, since an
    /// error also lists the allowed keys.
    static let errorLimit = 1000

    public static func render(_ errors: [ManifestError]) -> String {
        errors.map { error in
            annotation(
                "error", position: error.position, title: "reconcile validate",
                message: UntrustedText.annotationMessage(
                    error.keyPath.isEmpty ? error.message : "\(error.keyPath): \(error.message)", limit: errorLimit))
        }.joined()
    }

    /// Contradictions inside the desired state: an error or a warning at the line the
    /// fix most likely goes, the other side named in the message.
    public static func render(_ problems: [ConsistencyProblem]) -> String {
        problems.map { problem in
            let seeAlso = problem.related.map { " (see \($0.position.file):\($0.position.line): \($0.note))" }.joined()
            return annotation(
                problem.severity >= .error ? "error" : "warning", position: problem.position,
                title: "reconcile validate (\(problem.rule.id))",
                message: UntrustedText.annotationMessage(problem.message + seeAlso, limit: errorLimit))
        }.joined()
    }

    /// Notices (not errors) at manifest positions: what a manifest lets reconcile
    /// execute or read (`reconcile validate`'s trust listing).
    public static func notices(_ notes: [(position: SourcePosition, message: String)]) -> String {
        notes.map {
            annotation(
                "notice", position: $0.position, title: "reconcile trust",
                message: UntrustedText.annotationMessage($0.message, limit: errorLimit))
        }.joined()
    }

    public static func render(_ report: Report) -> String {
        report.findingsWorstFirst.filter { $0.status != .ok }.map { finding in
            var message = "\(line(finding.resource)): \(line(finding.message))"
            if let fix = finding.fix { message += "%0Afix: \(line(fix.summary))" }
            return annotation(
                finding.status == .drift ? "error" : "warning", position: finding.position,
                title: "reconcile \(finding.checker)", message: message)
        }.joined()
    }

    /// One field of a finding as annotation text: escaped and capped (line feeds stay
    /// line breaks, as GitHub shows them; a CR is a control like any other).
    private static func line(_ text: String) -> String {
        UntrustedText.annotationMessage(text)
    }

    /// A workflow command; `message` is already escaped.
    static func annotation(_ level: String, position: SourcePosition?, title: String, message: String) -> String {
        var properties: [String] = []
        if let position {
            properties += [
                "file=\(UntrustedText.annotationProperty(position.file))", "line=\(position.line)",
                "col=\(position.column)",
            ]
        }
        properties.append("title=\(UntrustedText.annotationProperty(title))")
        return "::\(level) \(properties.joined(separator: ","))::\(message)\n"
    }
}
