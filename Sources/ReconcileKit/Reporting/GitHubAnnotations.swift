/// GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`), so CI
/// shows manifest problems and drift inline on the pull request.
public enum GitHubAnnotations {
    public static func render(_ errors: [ManifestError]) -> String {
        errors.map { error in
            annotation(
                "error", position: error.position, title: "reconcile validate",
                message: error.keyPath.isEmpty ? error.message : "\(error.keyPath): \(error.message)")
        }.joined()
    }

    public static func render(_ report: Report) -> String {
        report.findingsWorstFirst.filter { $0.status != .ok }.map { finding in
            var message = "\(finding.resource): \(finding.message)"
            if let fix = finding.fix { message += "\nfix: \(fix.summary)" }
            return annotation(
                finding.status == .drift ? "error" : "warning", position: finding.position,
                title: "reconcile \(finding.checker)", message: message)
        }.joined()
    }

    static func annotation(_ level: String, position: SourcePosition?, title: String, message: String) -> String {
        var properties: [String] = []
        if let position {
            properties += ["file=\(property(position.file))", "line=\(position.line)", "col=\(position.column)"]
        }
        properties.append("title=\(property(title))")
        return "::\(level) \(properties.joined(separator: ","))::\(data(message))\n"
    }

    /// Escaping from GitHub's toolkit: data escapes %, CR, LF; properties also : and ,.
    static func data(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    static func property(_ text: String) -> String {
        data(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
