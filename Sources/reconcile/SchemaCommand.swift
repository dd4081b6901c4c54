import ArgumentParser
import ReconcileKit

/// `reconcile schema`: prints the manifest's JSON Schema, generated from the same key
/// declarations the decoder checks (manifests/schema/reconcile-v1.schema.json is its
/// output), the schema of `reconcile plan --format json`
/// (manifests/schema/reconcile-plan-v1.schema.json), or the README's checker table.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the manifest's JSON Schema (draft 2020-12), generated from the checkers' declarations.")

    @Flag(help: "Print the README's checker table instead.")
    var readmeTable = false

    @Flag(help: "Print the JSON Schema of `reconcile plan --format json` instead.")
    var plan = false

    func validate() throws {
        if readmeTable && plan { throw ValidationError("--readme-table and --plan print different things: give one") }
    }

    func run() {
        let output = plan ? PlanSchema.json() : readmeTable ? registry.readmeTable : ManifestSchema.json(for: registry)
        print(output, terminator: "")
    }
}
