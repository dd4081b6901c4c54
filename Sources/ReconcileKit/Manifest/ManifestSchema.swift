/// The manifest's JSON Schema (draft 2020-12, for editors and PR tooling), generated from
/// the same `ManifestShape` declarations the decoder checks, so the two cannot disagree.
/// `reconcile schema` prints it; manifests/schema/reconcile-v1.schema.json is its output.
public enum ManifestSchema {
    /// The whole schema: the header keys and one property per registered section.
    public static func json(for registry: CheckerRegistry) -> String {
        var root = object(ManifestDecoder.header(sections: registry.sections))
        // External checkers' sections are named by the manifest's own plugins: list, which
        // no schema can read: with plugins: any further top-level key is let through (the
        // decoder and `validate` judge it), without it none is.
        root["additionalProperties"] = nil
        root["unevaluatedProperties"] = false
        root["if"] = ["required": [PluginsSection.key]]
        root["then"] = ["additionalProperties": true]
        return DocumentShape.document(
            root, id: "https://reconcile.dev/schema/reconcile-v1.schema.json", title: "reconcile manifest v1",
            description: "The desired state of a Caddy + Docker + Django deployment. Every section is optional. "
                + "${name} in any string is replaced from vars (or --var name=value).",
            generatedBy: "reconcile schema")
    }

    /// A string holding a `${name}` reference: its value is known only when decoding.
    static let reference = "\\$\\{"

    static func schema(_ shape: ManifestShape) -> [String: Any] {
        switch shape {
        case .string(let format): return string(format)
        case .integer(let range): return ["type": "integer", "minimum": range.lowerBound, "maximum": range.upperBound]
        case .boolean: return ["type": "boolean"]
        case .scalar: return ["type": ["string", "number", "boolean"]]
        case .list(let item): return ["type": "array", "items": schema(item)]
        case .object(let declared): return object(declared)
        case .dictionary(let value): return ["type": "object", "additionalProperties": schema(value)]
        case .anyValue: return [:]
        case .either(let alternatives): return ["anyOf": alternatives.map(schema)]
        }
    }

    static func string(_ format: StringFormat) -> [String: Any] {
        switch format {
        case .any: return ["type": "string"]
        case .nonEmpty: return ["type": "string", "minLength": 1]
        case .choice(let words, let ignoringCase): return ["enum": ignoringCase ? words + words.map { $0.lowercased() } : words]
        case .constant(let text): return ["const": text]
        case .absolutePath: return ["type": "string", "pattern": "^/|\(reference)"]
        case .url(let schemes):
            let forms = schemes.map { $0 == "unix" ? "^unix:///\\S" : "^\($0)://[^\\s/:@]" }
            return ["type": "string", "pattern": (forms + ["^\(reference)"]).joined(separator: "|")]
        case .pattern(let pattern, _, _): return ["type": "string", "pattern": "^(?:\(pattern))$|\(reference)"]
        }
    }

    static func object(_ declared: ManifestObject) -> [String: Any] {
        var properties: [String: Any] = [:]
        for key in declared.keys {
            var property = schema(key.shape)
            property["description"] = key.doc
            properties[key.name] = property
        }
        var result: [String: Any] = ["type": "object", "additionalProperties": false, "properties": properties]
        let required = declared.keys.filter(\.isRequired).map(\.name)
        if !required.isEmpty { result["required"] = required }
        let groups: [[String: Any]] = declared.exclusive.flatMap { group -> [[String: Any]] in
            let each = group.keys.map { ["required": [$0]] }
            if group.missing != nil && group.satisfiedBy.isEmpty { return [["oneOf": each]] }
            // At most one of the keys (no two together) …
            var pairs: [[String: Any]] = []
            for (index, first) in group.keys.enumerated() {
                for second in group.keys[(index + 1)...] { pairs.append(["required": [first, second]]) }
            }
            let atMostOne: [String: Any] = pairs.count == 1 ? ["not": pairs[0]] : ["not": ["anyOf": pairs]]
            guard group.missing != nil else { return [atMostOne] }
            // … and at least one of them or of the keys that also satisfy the group.
            return [atMostOne, ["anyOf": (group.keys + group.satisfiedBy).map { ["required": [$0]] }]]
        }
        if !groups.isEmpty { result["allOf"] = groups }
        return result
    }
}
