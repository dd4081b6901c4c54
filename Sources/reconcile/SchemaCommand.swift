import ArgumentParser
import ReconcileKit

/// `reconcile schema`: prints the manifest's JSON Schema, generated from the same key
/// declarations the decoder checks (manifests/schema/reconcile-v1.schema.json is its
/// output), or the README's checker table.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the manifest's JSON Schema (draft 2020-12), generated from the checkers' declarations.")

    @Flag(help: "Print the README's checker table instead.")
    var readmeTable = false

    func run() {
        print(readmeTable ? registry.readmeTable : ManifestSchema.json(for: registry), terminator: "")
    }
}
