import Foundation

/// `reconcile plan`'s outputs: pure functions of the diff and the two commits. Every
/// value quoted from a manifest is escaped for its medium (terminal, Markdown/HTML,
/// workflow command, JSON) by `UntrustedText`.
public struct DiffRendering: Sendable {
    public let diff: DesiredStateDiff
    public let base: SourceOrigin
    public let head: SourceOrigin

    /// GitHub refuses a comment or step summary of 65,536 characters or more; stay below
    /// it with room for the note that says what was cut. Lengths are UTF-16 code units,
    /// never Swift's `count`: that folds the joiner after each `@` and `#` (and any
    /// combining mark) into the character before it, which GitHub counts on its own.
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

    /// How many changes are of `kind`.
    func count(_ kind: DesiredStateDiff.ResourceChange.Kind) -> Int { diff.changes.count { $0.kind == kind } }

    var counts: String {
        "\(diff.changes.count) change\(diff.changes.count == 1 ? "" : "s"): "
            + "\(count(.added)) added, \(count(.changed)) changed, \(count(.removed)) removed"
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
    /// fields in a collapsible section. The whole document stays below `limit` characters:
    /// past the title, everything (manifest lines, table rows, details) is cut in whole
    /// pieces, with a note saying how much was left out. Refs are code spans, every
    /// manifest value a `markdownCell`: a fork's branch name or a manifest can neither
    /// inject markup nor mention anyone.
    public func markdown(limit: Int = DiffRendering.markdownLimit) -> String {
        var title = "### reconcile plan\n\n\(UntrustedText.markdownCode(Self.commit(base), limit: 200)) → "
        title += "\(UntrustedText.markdownCode(Self.commit(head), limit: 200)): "
        title += diff.changed ? "**\(counts)**\n\n" : "**no changes to the desired state**\n\n"
        let manifests = diff.manifests.compactMap(Self.manifestLine).map { "- \(UntrustedText.markdownCell($0))\n" }
        var pieces = manifests.isEmpty ? [] : manifests + ["\n"]
        var rows: [String] = []
        var details: [String] = []
        if diff.changed {
            let live = diff.changes.contains { $0.live != nil }
            let table =
                "| | checker | resource | where |" + (live ? " live |" : "") + "\n| --- | --- | --- | --- |" + (live ? " --- |" : "")
                + "\n"
            rows = diff.changes.enumerated().map { index, change in
                (index == 0 ? table : "") + "| \(Self.sign(change.kind)) | \(UntrustedText.markdownCell(change.checker)) | "
                    + "\(UntrustedText.markdownCell("\(change.resourceKind) \(change.name)")) | "
                    + "\(UntrustedText.markdownCell(Self.where_(change.position))) |"
                    + (change.live.map { " \(Self.live($0)) |" } ?? (live ? " |" : "")) + "\n"
            }
            details = diff.changes.map(Self.markdownDetails)
            pieces += rows + ["\n"] + details
        }
        let whole = title + pieces.joined()
        guard whole.utf16.count > limit else { return whole }
        // The longest note there can be: every count at its total.
        let reserve = Self.cutNote(
            manifests: (manifests.count, manifests.count), rows: (rows.count, rows.count),
            details: (details.count, details.count)
        ).utf16.count
        var output = title
        var length = title.utf16.count
        var kept = 0
        while kept < pieces.count, length + pieces[kept].utf16.count + reserve <= limit {
            output += pieces[kept]
            length += pieces[kept].utf16.count
            kept += 1
        }
        let listed = min(kept, manifests.count)
        let tabled = min(max(0, kept - (manifests.isEmpty ? 0 : manifests.count + 1)), rows.count)
        let detailed = max(0, kept - (pieces.count - details.count))
        return output
            + Self.cutNote(
                manifests: (manifests.count - listed, manifests.count), rows: (rows.count - tabled, rows.count),
                details: (details.count - detailed, details.count))
    }

    /// One change's collapsible section: its fields base → head.
    static func markdownDetails(_ change: DesiredStateDiff.ResourceChange) -> String {
        var section =
            "<details><summary>\(sign(change.kind)) \(UntrustedText.markdownCell(change.checker)) "
            + "\(UntrustedText.markdownCell("\(change.resourceKind) \(change.name)"))</summary>\n\n"
        section += "| field | base | head |\n| --- | --- | --- |\n"
        section += change.fields.map {
            "| \(UntrustedText.markdownCell($0.name)) | \(UntrustedText.markdownCell(value($0.old))) | \(UntrustedText.markdownCell(value($0.new))) |\n"
        }
        .joined()
        return section + "\n</details>\n"
    }

    /// What a cut markdown plan left out, each as (left out, of total).
    static func cutNote(manifests: (Int, Int), rows: (Int, Int), details: (Int, Int)) -> String {
        var parts: [String] = []
        if manifests.0 > 0 { parts.append("\(manifests.0) of \(manifests.1) manifest lines are not listed") }
        if rows.0 > 0 { parts.append("\(rows.0) of \(rows.1) changes are not in the table") }
        if details.0 > 0 { parts.append("\(details.0) of \(details.1) changes are not detailed") }
        return "\n> **Cut here** to stay below GitHub's 65,536 characters: \(parts.joined(separator: "; ")). "
            + "`reconcile plan --format text` (this job's log) has the whole plan.\n"
    }

    /// The versioned JSON document (`version` as the run report's).
    public func json() -> String {
        JSONReportRenderer.document(
            DiffDocument(
                base: base, head: head, changed: diff.changed,
                summary: DiffDocument.Summary(added: count(.added), changed: count(.changed), removed: count(.removed)),
                manifests: diff.manifests,
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
