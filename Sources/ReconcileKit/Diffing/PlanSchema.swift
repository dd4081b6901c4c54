/// The JSON Schema of `reconcile plan --format json`, for whatever reads a plan in CI (a
/// bot commenting on the PR, a policy check). Generated from the plan document's own
/// coding keys (`DocumentDescribing`); `reconcile schema --plan` prints it and
/// manifests/schema/reconcile-plan-v1.schema.json is its output.
public enum PlanSchema {
    public static let command = "reconcile schema --plan"

    public static func json() -> String {
        DocumentShape.document(
            DiffDocument.objectSchema, id: "https://reconcile.dev/schema/reconcile-plan-v1.schema.json",
            title: "reconcile plan, version \(Report.currentVersion)",
            description:
                "The semantic diff of the desired state between two commits (reconcile plan --format json): manifests "
                + "paired by path or environment name, resources added, changed or removed with their fields old → new.",
            generatedBy: command)
    }
}

extension DiffDocument: DocumentDescribing {
    static func describe(_ key: CodingKeys) -> DocumentKey {
        switch key {
        case .version: DocumentKey(.constant(Report.currentVersion), "The document's version; a reader checks it first.")
        case .base: DocumentKey(.object(SourceOrigin.self), "The commit the change starts from (a pull request's base).")
        case .head: DocumentKey(.object(SourceOrigin.self), "The commit with the change (or the working tree).")
        case .changed: DocumentKey(.boolean, "True when the desired state differs (a rename alone changes nothing); exit 2.")
        case .summary: DocumentKey(.object(Summary.self), "How many resources each kind of change concerns.")
        case .manifests: DocumentKey(.list(.object(DesiredStateDiff.ManifestChange.self)), "Each manifest file across the two commits.")
        case .changes:
            DocumentKey(.list(.object(DesiredStateDiff.ResourceChange.self)), "Each resource added, changed or removed, head side first.")
        }
    }
}

extension DiffDocument.Summary: DocumentDescribing {
    static func describe(_ key: CodingKeys) -> DocumentKey {
        switch key {
        case .added: DocumentKey(.integer(minimum: 0), "Resources only the head has.")
        case .changed: DocumentKey(.integer(minimum: 0), "Resources with at least one field changed.")
        case .removed: DocumentKey(.integer(minimum: 0), "Resources only the base has.")
        }
    }
}

extension DesiredStateDiff.ManifestChange: DocumentDescribing {
    static func describe(_ key: CodingKeys) -> DocumentKey {
        switch key {
        case .kind: DocumentKey(.closed(Kind.self), "What happened to the file (renamed: paired by its environment name).")
        case .base: DocumentKey(.string, "Its path at the base; absent when the head added it.", optional: true)
        case .head: DocumentKey(.string, "Its path at the head; absent when the head removed it.", optional: true)
        case .environment: DocumentKey(.string, "The environment's name (name:), the manifest's identity across a rename.")
        }
    }
}

extension DesiredStateDiff.ResourceChange: DocumentDescribing {
    static func describe(_ key: CodingKeys) -> DocumentKey {
        switch key {
        case .change: DocumentKey(.closed(Kind.self), "What the change does to the resource.")
        case .environment: DocumentKey(.string, "The environment (manifest name:) the resource belongs to.")
        case .checker: DocumentKey(.string, "The checker whose section holds it (caddy, docker, django, media, health, host, …).")
        case .kind: DocumentKey(.string, "What it is, in the section's words (route, container, volume, setting, …).")
        case .name: DocumentKey(.string, "Its key within the kind, unique per manifest (rims.example.com /media/*).")
        case .resource: DocumentKey(.string, "The run report's resource for it, to pair it with a run's findings.")
        case .fields: DocumentKey(.list(.object(DesiredStateDiff.FieldChange.self)), "The fields whose value differs.")
        case .position:
            DocumentKey(.object(SourcePosition.self), "Where the head declares it (the base, for a removed resource).")
        case .live:
            DocumentKey(
                .closed(LiveMatch.self), "With --live: which side production matches; absent without --live.", optional: true)
        }
    }
}

extension DesiredStateDiff.FieldChange: DocumentDescribing {
    static func describe(_ key: CodingKeys) -> DocumentKey {
        switch key {
        case .name:
            DocumentKey(
                .string,
                "The field (root, upstreams, value, mounts, expect.status, …; order: its position among the resources "
                    + "it is ordered with, a route in its site).")
        case .old: DocumentKey(.nullable(.string), "Its value at the base, as text; null when the base does not set it.")
        case .new: DocumentKey(.nullable(.string), "Its value at the head, as text; null when the head does not set it.")
        }
    }
}
