/// Rewriting every text field of a plan at once, between the diff and the screen: masking
/// secrets (`masked(by:)`) exactly as a run masks its report. Kinds, checkers' identifiers,
/// line numbers and `live` matches are left alone, so masking never changes what a plan
/// concludes; it happens after pairing and comparing, so equal secrets still compare. A
/// field whose two sides differ only in a secret keeps showing a change
/// (``SecretMask/maskChange(old:new:)``).
extension DiffRendering {
    /// This plan as it may be printed: every secret the plan's `--live` observation read
    /// (``SecretRegistry``), in every encoding, every credential inside a URL and every
    /// secret-shaped value replaced by `***`, in every format.
    public func masked(by mask: SecretMask) -> DiffRendering {
        DiffRendering(diff: diff.masked(by: mask), base: base.mapText(mask.mask), head: head.mapText(mask.mask))
    }
}

extension DesiredStateDiff {
    /// This diff with every text field masked, each changed field's two sides together.
    func masked(by mask: SecretMask) -> DesiredStateDiff {
        let transform = mask.mask
        var copy = self
        copy.manifests = manifests.map { manifest in
            ManifestChange(
                kind: manifest.kind, base: manifest.base.map(transform), head: manifest.head.map(transform),
                environment: transform(manifest.environment))
        }
        copy.changes = changes.map { change in
            ResourceChange(
                kind: change.kind, environment: transform(change.environment), checker: change.checker,
                resourceKind: change.resourceKind, name: transform(change.name), findingResource: transform(change.findingResource),
                fields: change.fields.map { field in
                    let (old, new) = mask.maskChange(old: field.old, new: field.new)
                    return FieldChange(name: transform(field.name), old: old, new: new)
                },
                position: SourcePosition(file: transform(change.position.file), line: change.position.line, column: change.position.column),
                live: change.live)
        }
        return copy
    }
}
