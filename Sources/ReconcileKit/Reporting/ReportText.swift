/// Rewriting every text field of a report at once, for what happens between the
/// findings and the screen: masking secrets (`masked(by:)`) and capping fields for a
/// machine-readable output. Statuses, severities, counts and positions' numbers are
/// left alone, so masking never changes what a report concludes.
extension Report {
    /// This report with `transform` applied to every text field.
    public func mapText(_ transform: (String) -> String) -> Report { mapText(transform, snippets: transform) }

    /// This report with `transform` applied to every text field but fix snippets, which
    /// are several lines, and `snippets` to those.
    public func mapText(_ transform: (String) -> String, snippets: (String) -> String) -> Report {
        Report(
            origin: source.origin.mapText(transform), manifest: transform(source.manifest), mode: mode,
            findings: findings.map { $0.mapText(transform, snippets: snippets) },
            actions: actions.map { action in
                var mapped = action
                mapped.checker = transform(action.checker)
                mapped.resource = transform(action.resource)
                mapped.action = transform(action.action)
                mapped.detail = action.detail.map(transform)
                return mapped
            })
    }

    /// This report as it may be printed: every secret the run read, in every encoding,
    /// and every credential inside a URL replaced by `***`.
    public func masked(by mask: SecretMask) -> Report { mapText(mask.mask) }
}

extension SourceOrigin {
    /// This origin with `transform` applied to its text (repository, ref, commit): a run's
    /// report and a plan mask where they come from alike.
    func mapText(_ transform: (String) -> String) -> SourceOrigin {
        SourceOrigin(
            repo: transform(repo), ref: transform(ref), commit: commit.map(transform), worktree: worktree, stale: stale,
            lastFetched: lastFetched)
    }
}

extension Finding {
    /// This finding with `transform` applied to every text field but the fix snippet,
    /// and `snippets` to that.
    public func mapText(_ transform: (String) -> String, snippets: (String) -> String) -> Finding {
        var finding = self
        finding.checker = transform(checker)
        finding.resource = transform(resource)
        finding.expected = expected.map(transform)
        finding.observed = observed.map(transform)
        finding.message = transform(message)
        finding.plan = plan.map(transform)
        finding.fix = fix.map { Fix(summary: transform($0.summary), snippet: $0.snippet.map(snippets), language: $0.language) }
        finding.position = position.map {
            SourcePosition(file: transform($0.file), line: $0.line, column: $0.column)
        }
        return finding
    }
}
