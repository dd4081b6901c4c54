/// One judged thing as CI formats see it (SARIF's result, JUnit's testcase): built from a
/// run's findings, from `validate`'s errors and consistency problems, or from a plan's
/// changes, so one SARIF and one JUnit renderer serve `run`, `validate` and `plan` alike.
public struct CheckResult: Sendable, Hashable {
    public enum Outcome: String, Sendable {
        /// In sync, valid.
        case passed
        /// Drift, an invalid manifest, a contradiction.
        case failed
        /// Could not be judged (`unknown`).
        case errored
    }

    /// JUnit's testsuite: the checker (or `manifest` for decoding errors).
    public let suite: String
    /// JUnit's testcase: the resource (or the manifest file, or the rule and line).
    public let name: String
    public let outcome: Outcome
    /// Whether SARIF lists it: by default everything but a pass (a consistency warning
    /// that does not fail the check is listed too); a plan lists every change.
    public let listed: Bool
    /// SARIF's stable `ruleId`: one per kind of check.
    public let ruleID: String
    public let ruleSummary: String
    public let severity: Severity
    public let message: String
    /// Expected, observed, fix: one per line.
    public let detail: String
    public let position: SourcePosition?
    /// What identifies the result across runs (never a line number or an observed value).
    public let identity: String

    init(
        suite: String, name: String, outcome: Outcome, listed: Bool? = nil, ruleID: String, ruleSummary: String,
        severity: Severity, message: String, detail: String, position: SourcePosition?, identity: String
    ) {
        self.suite = suite
        self.name = name
        self.outcome = outcome
        self.listed = listed ?? (outcome != .passed || severity == .warning)
        self.ruleID = ruleID
        self.ruleSummary = ruleSummary
        self.severity = severity
        self.message = message
        self.detail = detail
        self.position = position
        self.identity = identity
    }
}

extension CheckResult {
    /// A run's findings, one result each.
    public static func results(of report: Report) -> [CheckResult] {
        report.findings.map { finding in
            let outcome: Outcome
            let kind: String
            switch finding.status {
            case .ok: (outcome, kind) = (.passed, "ok")
            case .drift: (outcome, kind) = (.failed, "drift")
            case .unknown: (outcome, kind) = (.errored, "unknown")
            }
            let summaries = [
                "ok": "\(finding.checker): in sync", "drift": "\(finding.checker): the live state differs from the manifest",
                "unknown": "\(finding.checker): the live state could not be observed",
            ]
            var detail: [String] = []
            if let expected = finding.expected { detail.append("expected: \(expected)") }
            if let observed = finding.observed { detail.append("observed: \(observed)") }
            if let fix = finding.fix { detail.append("fix: \(fix.summary)") }
            return CheckResult(
                suite: finding.checker, name: finding.resource, outcome: outcome, ruleID: "\(finding.checker)-\(kind)",
                ruleSummary: summaries[kind] ?? kind, severity: finding.status == .unknown ? .warning : finding.severity,
                message: "\(finding.resource): \(finding.message)", detail: detail.joined(separator: "\n"),
                position: finding.position, identity: "\(finding.checker)|\(finding.resource)")
        }
    }

    static let manifestRule = "manifest-invalid"

    /// `validate`'s outcome: a passing result per manifest without problems, a failing
    /// one per decoding error, and one per consistency problem (warnings fail only
    /// when `strict`).
    public static func results(
        files: [(path: String, errors: [ManifestError])], problems: [ConsistencyProblem], strict: Bool
    ) -> [CheckResult] {
        var results: [CheckResult] = []
        for file in files {
            let ownProblems = problems.filter { $0.position.file == file.path }
            if file.errors.isEmpty && ownProblems.isEmpty {
                results.append(
                    CheckResult(
                        suite: "manifest", name: file.path, outcome: .passed, ruleID: manifestRule,
                        ruleSummary: "The manifest does not decode (syntax, keys, types, values).", severity: .info,
                        message: "\(file.path): valid", detail: "", position: nil, identity: file.path))
            }
            results += file.errors.map { error in
                CheckResult(
                    suite: "manifest", name: error.keyPath.isEmpty ? file.path : "\(file.path) \(error.keyPath)", outcome: .failed,
                    ruleID: manifestRule, ruleSummary: "The manifest does not decode (syntax, keys, types, values).",
                    severity: .error, message: error.keyPath.isEmpty ? error.message : "\(error.keyPath): \(error.message)",
                    detail: "", position: error.position, identity: "\(error.keyPath)|\(error.message)")
            }
        }
        results += problems.map { problem in
            let fails = problem.severity >= .error || strict
            return CheckResult(
                suite: problem.checker.isEmpty ? "consistency" : problem.checker,
                name: "\(problem.rule.id) at \(problem.position.file):\(problem.position.line)", outcome: fails ? .failed : .passed,
                ruleID: problem.rule.id, ruleSummary: problem.rule.summary, severity: problem.severity, message: problem.message,
                detail: problem.related.map { "see \($0.position.file):\($0.position.line): \($0.note)" }.joined(separator: "\n"),
                position: problem.position, identity: problem.message)
        }
        return results
    }
}
