import Foundation

extension CheckResult {
    /// One rule per kind of change (SARIF's stable `ruleId`, JUnit's failure type).
    static let planRules: [DesiredStateDiff.ResourceChange.Kind: String] = [
        .added: "A resource the change adds to the desired state.",
        .changed: "A resource whose desired fields the change modifies.",
        .removed: "A resource the change removes from the desired state.",
    ]
    static let unchangedRule = "plan-unchanged"

    /// `reconcile plan` for CI formats: every changed resource is listed (a SARIF note at
    /// its head-side line, a JUnit testcase in its checker's suite) under `plan-added`,
    /// `plan-changed` or `plan-removed`. With `--live`, a resource production matches
    /// neither side of fails (production drifted from both: a warning, JUnit `<failure>`)
    /// and one that could not be observed is `<error>`, as in a run. A manifest the change
    /// leaves alone is a passing testcase, so the JUnit report is never empty.
    ///
    /// A removed resource has no head-side line: it is located at the first line of the
    /// manifest it left (none when the whole manifest went), its base line in the message,
    /// so code scanning never points at an unrelated line of the head.
    public static func results(of diff: DesiredStateDiff) -> [CheckResult] {
        let several = diff.manifests.count > 1
        var results: [CheckResult] = diff.changes.map { change in
            let manifest = diff.manifests.first { $0.environment == change.environment }
            let position: SourcePosition?
            var message = "\(change.kind.rawValue) \(change.checker) \(change.resourceKind) \(change.name)"
            if change.kind == .removed {
                position = manifest?.head.map { SourcePosition(file: $0, line: 1, column: 1) }
                message += " (at \(change.position.file):\(change.position.line) on the base)"
            } else {
                position = change.position
            }
            var outcome = Outcome.passed
            var severity = Severity.info
            if let live = change.live {
                message += "; live: \(DiffRendering.live(live))"
                switch live {
                case .base, .head: break
                case .neither: (outcome, severity) = (.failed, .warning)
                case .unknown: (outcome, severity) = (.errored, .warning)
                }
            }
            let ruleID = "plan-\(change.kind.rawValue)"
            return CheckResult(
                suite: change.checker,
                name: "\(change.resourceKind) \(change.name)" + (several ? " [\(change.environment)]" : ""),
                outcome: outcome, listed: true, ruleID: ruleID, ruleSummary: planRules[change.kind] ?? ruleID,
                severity: severity, message: message,
                detail: change.fields.map { "\($0.name): \(DiffRendering.value($0.old)) → \(DiffRendering.value($0.new))" }
                    .joined(separator: "\n"),
                position: position,
                identity: "\(change.environment)|\(change.checker)|\(change.resourceKind)|\(change.name)")
        }
        for manifest in diff.manifests where !diff.changes.contains(where: { $0.environment == manifest.environment }) {
            let path = manifest.head ?? manifest.base ?? ""
            results.append(
                CheckResult(
                    suite: "manifest", name: path, outcome: .passed, listed: false, ruleID: unchangedRule,
                    ruleSummary: "A manifest whose desired state the change leaves as it was.", severity: .info,
                    message: DiffRendering.manifestLine(manifest) ?? "\(path): unchanged", detail: "", position: nil,
                    identity: path))
        }
        return results
    }
}

extension DiffRendering {
    /// SARIF 2.1.0: a note per changed resource (see `CheckResult.results(of:)`).
    public func sarif() -> String { SARIFRenderer.render(CheckResult.results(of: diff)) }

    /// JUnit XML: a testsuite per checker, a testcase per changed resource; both commits
    /// as properties.
    public func junit(timestamp: Date) -> String {
        JUnitRenderer.render(
            CheckResult.results(of: diff), timestamp: timestamp,
            properties: [
                ("base", base.ref), ("base_commit", base.commit ?? ""), ("head", head.ref), ("head_commit", head.commit ?? ""),
            ])
    }
}
