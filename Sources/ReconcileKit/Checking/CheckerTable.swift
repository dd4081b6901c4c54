/// The README's checker table, generated from the checkers' own declarations
/// (`identifier`, their section's key, `observes`, `reports`) so the README cannot list
/// a checker, a section or a behaviour the build does not have.
extension CheckerRegistry {
    /// The Markdown table between the README's `<!-- BEGIN GENERATED: checkers -->` markers.
    public var readmeTable: String {
        var lines = ["| checker | section | observes | reports |", "| --- | --- | --- | --- |"]
        for entry in entries where !entry.observes.isEmpty {
            lines.append("| `\(entry.identifier)` | `\(entry.section.key):` | \(entry.observes) | \(entry.reports) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
