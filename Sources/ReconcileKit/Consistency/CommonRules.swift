extension ConsistencyRule {
    /// A file the manifest names (`caddyfile:`, `docker.compose`) that is not at the ref:
    /// one rule whichever section names it.
    public static let referencedFileMissing = ConsistencyRule(
        "referenced-file-missing", .error, "A file the manifest names is not in the repository at the ref.")
}

extension DesiredState {
    /// `referenced-file-missing` for `path` (named at `position` by `key`), or nil when the
    /// file is there.
    public func missingFile(_ path: String, namedBy key: String, at position: SourcePosition) -> ConsistencyProblem? {
        guard (try? source.read(path)) == nil else { return nil }
        let at = source.origin.worktree ? "the working tree" : source.origin.ref
        return ConsistencyRule.referencedFileMissing.problem(
            "\(key) names \(path), which is not in the repository at \(at)", at: position)
    }
}
