import Foundation

/// `reconcile validate`'s look at external checkers' sections: each plugin is run with
/// `--schema` (no request, no check) and its section judged against the JSON Schema it
/// prints (``SectionSchema``). A plugin the operator config refuses is not run (the trust
/// review reports it); one that cannot give its schema is an error at its section, since a
/// spec nobody checked must not pass as valid.
public enum PluginSchemaReview {
    /// The errors of `manifest`'s external sections, one plugin after the other.
    public static func errors(_ manifest: Manifest, source: any DesiredStateSource, config: OperatorConfig, timeout: Duration)
        async -> [ManifestError]
    {
        var errors: [ManifestError] = []
        for spec in manifest.checks.compactMap({ $0.spec as? ExternalSpec }) {
            errors += await self.errors(spec, source: source, config: config, timeout: timeout)
        }
        return errors
    }

    private static func errors(_ spec: ExternalSpec, source: any DesiredStateSource, config: OperatorConfig, timeout: Duration)
        async -> [ManifestError]
    {
        let plugin = spec.plugin
        if plugin.origin == .manifest, !config.decide(plugin.trustRequest).isAllowed { return [] }
        let run = await ExternalCheck.schema(plugin, source: source, timeout: timeout)
        let problem: String
        if let failure = run.failure {
            problem = failure
        } else if let schema = try? JSONSerialization.jsonObject(with: run.stdout), schema is [String: Any] || schema is Bool {
            return SectionSchema(schema: schema, plugin: plugin.name).errors(in: spec.spec)
        } else {
            problem = "printed no JSON Schema object: " + PluginAnswer.quote(run.stdout)
        }
        return [
            ManifestError(
                position: spec.spec.position, keyPath: spec.spec.keyPath,
                message: "cannot check this section: the external checker \(plugin.name) --schema \(problem)")
        ]
    }
}
