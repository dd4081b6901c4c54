import Foundation

/// `reconcile plan`'s outputs: pure functions of the diff and the two commits. Every
/// value quoted from a manifest is escaped for its medium (terminal, Markdown/HTML,
/// workflow command, JSON) by `UntrustedText`.
public struct DiffRendering: Sendable {
    public let diff: DesiredStateDiff
    public let base: SourceOrigin
    public let head: SourceOrigin

    /// GitHub refuses a comment or step summary of 65,536 characters or more; stay below
    /// it with room for the note that says what was cut.
    public static let markdownLimit = 65_000

    public init(diff: DesiredStateDiff, base: SourceOrigin, head: SourceOrigin) {
        self.diff = diff
        self.base = base
        self.head = head
    }

    static func commit(_ origin: SourceOrigin) -> String {
        origin.worktree ? "working tree" : "\(origin.commit.map { String($0.prefix(12)) } ?? "?") (\(origin.ref))"
    }

    static func sign(_ kind: DesiredStateDiff.ResourceChange.Kind) -> String {
        switch kind {
        case .added: "+"
        case .removed: "-"
        case .changed: "~"
        }
    }

    static func where_(_ position: SourcePosition) -> String { "\(position.file):\(position.line)" }

    var counts: String {
        let added = diff.changes.filter { $0.kind == .added }.count
        let removed = diff.changes.filter { $0.kind == .removed }.count
        let changed = diff.changes.filter { $0.kind == .changed }.count
        return "\(diff.changes.count) change\(diff.changes.count == 1 ? "" : "s"): \(added) added, \(changed) changed, \(removed) removed"
    }

    static func manifestLine(_ manifest: DesiredStateDiff.ManifestChange) -> String? {
        switch manifest.kind {
        case .unchanged, .modified: return nil
        case .added: return "manifest \(manifest.head ?? ""): added (\(manifest.environment))"
        case .removed: return "manifest \(manifest.base ?? ""): removed (\(manifest.environment))"
        case .renamed: return "manifest \(manifest.base ?? "") → \(manifest.head ?? ""): renamed (\(manifest.environment))"
        }
    }

    static func value(_ text: String?) -> String { text ?? "(unset)" }

    /// What `--live` found, in a reviewer's words.
    static func live(_ match: LiveMatch) -> String {
        switch match {
        case .base: "production matches the base (merging needs an apply)"
        case .head: "production already matches the head"
        case .neither: "production matches neither side"
        case .unknown: "production could not be observed"
        }
    }

    /// For people at a terminal.
    public func text() -> String {
        var lines = ["Plan: \(Self.commit(base)) → \(Self.commit(head))"]
        lines += diff.manifests.compactMap(Self.manifestLine)
        for change in diff.changes {
            lines.append(
                "\(Self.sign(change.kind)) \(change.checker) \(change.resourceKind) \(change.name)  \(Self.where_(change.position))"
                    + (diff.manifests.count > 1 ? " [\(change.environment)]" : "") + (change.live.map { "  live: \(Self.live($0))" } ?? ""))
            for field in change.fields {
                switch change.kind {
                case .added: lines.append("    \(field.name): \(Self.value(field.new))")
                case .removed: lines.append("    \(field.name): \(Self.value(field.old))")
                case .changed: lines.append("    \(field.name): \(Self.value(field.old)) → \(Self.value(field.new))")
                }
            }
        }
        lines.append(diff.changed ? counts : "No changes to the desired state.")
        return lines.map { UntrustedText.terminalLine($0, limit: 2000) + "\n" }.joined()
    }

    /// Workflow commands: a notice per changed resource at its head-side line.
    public func github() -> [GitHubAnnotation] {
        diff.changes.map { change in
            let fields = change.fields.map { "\($0.name): \(Self.value($0.old)) → \(Self.value($0.new))" }
            return GitHubAnnotation(
                .notice, position: change.position, title: "reconcile plan",
                message: "\(change.kind.rawValue) \(change.checker) \(change.resourceKind) \(change.name)"
                    + (fields.isEmpty ? "" : "\n" + fields.joined(separator: "\n"))
                    + (change.live.map { "\nlive: \(Self.live($0))" } ?? ""), limit: GitHubAnnotations.errorLimit)
        }
    }

    /// A pull-request comment or `$GITHUB_STEP_SUMMARY`: a summary table, each change's
    /// fields in a collapsible section, cut (whole pieces only) below `limit` characters
    /// with a note saying how many changes were left out.
    public func markdown(limit: Int = DiffRendering.markdownLimit) -> String {
        var head = "### reconcile plan\n\n`\(Self.commit(base))` → `\(Self.commit(head))`: "
        head += diff.changed ? "**\(counts)**\n\n" : "**no changes to the desired state**\n\n"
        head += diff.manifests.compactMap(Self.manifestLine).map { "- \(UntrustedText.markdownCell($0))\n" }.joined()
        if diff.manifests.contains(where: { Self.manifestLine($0) != nil }) { head += "\n" }
        guard diff.changed else { return head }
        let live = diff.changes.contains { $0.live != nil }
        let table =
            "| | checker | resource | where |" + (live ? " live |" : "") + "\n| --- | --- | --- | --- |" + (live ? " --- |" : "") + "\n"
        let rows = diff.changes.map { change in
            "| \(Self.sign(change.kind)) | \(change.checker) | \(UntrustedText.markdownCell("\(change.resourceKind) \(change.name)")) | \(UntrustedText.markdownCell(Self.where_(change.position))) |"
                + (change.live.map { " \(Self.live($0)) |" } ?? (live ? " |" : "")) + "\n"
        }
        let details = diff.changes.map { change in
            var section =
                "<details><summary>\(Self.sign(change.kind)) \(change.checker) \(UntrustedText.markdownCell("\(change.resourceKind) \(change.name)"))</summary>\n\n"
            section += "| field | base | head |\n| --- | --- | --- |\n"
            section += change.fields.map {
                "| \(UntrustedText.markdownCell($0.name)) | \(UntrustedText.markdownCell(Self.value($0.old))) | \(UntrustedText.markdownCell(Self.value($0.new))) |\n"
            }
            .joined()
            return section + "\n</details>\n"
        }
        var output = head + table
        let pieces = rows + ["\n"] + details
        for (index, piece) in pieces.enumerated() {
            let detailed = max(0, index - rows.count - 1)
            let note =
                "\n> **Cut here** to stay below GitHub's 65,536 characters: \(diff.changes.count - detailed) of "
                + "\(diff.changes.count) changes are not detailed. `reconcile plan --format text` (this job's log) has the whole plan.\n"
            if output.count + piece.count + note.count > limit { return output + note }
            output += piece
        }
        return output
    }

    /// The versioned JSON document (`version` as the run report's).
    public func json() -> String {
        JSONReportRenderer.document(
            DiffDocument(
                base: base, head: head, changed: diff.changed,
                summary: DiffDocument.Summary(
                    added: diff.changes.filter { $0.kind == .added }.count,
                    changed: diff.changes.filter { $0.kind == .changed }.count,
                    removed: diff.changes.filter { $0.kind == .removed }.count), manifests: diff.manifests,
                changes: diff.changes))
    }
}

/// The shape of `reconcile plan --format json` (its schema: `PlanSchema`).
struct DiffDocument: Encodable {
    struct Summary: Encodable {
        let added: Int
        let changed: Int
        let removed: Int

        enum CodingKeys: String, CodingKey, CaseIterable {
            case added, changed, removed
        }
    }

    let version = Report.currentVersion
    let base: SourceOrigin
    let head: SourceOrigin
    let changed: Bool
    let summary: Summary
    let manifests: [DesiredStateDiff.ManifestChange]
    let changes: [DesiredStateDiff.ResourceChange]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case version, base, head, changed, summary, manifests, changes
    }
}

extension DesiredStateDiff.FieldChange: Encodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case name, old, new }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(old.map { UntrustedText.capped($0, limit: JSONReportRenderer.fieldLimit) }, forKey: .old)
        try container.encode(new.map { UntrustedText.capped($0, limit: JSONReportRenderer.fieldLimit) }, forKey: .new)
    }
}

extension DesiredStateDiff.ResourceChange: Encodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case change, environment, checker, kind, name, resource, fields, position, live
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .change)
        try container.encode(environment, forKey: .environment)
        try container.encode(checker, forKey: .checker)
        try container.encode(resourceKind, forKey: .kind)
        try container.encode(name, forKey: .name)
        try container.encode(findingResource, forKey: .resource)
        try container.encode(fields, forKey: .fields)
        try container.encode(position, forKey: .position)
        try container.encodeIfPresent(live, forKey: .live)
    }
}
