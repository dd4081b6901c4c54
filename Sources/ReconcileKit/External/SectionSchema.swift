import Foundation

/// The JSON Schema an external checker publishes with `--schema`, applied to its section
/// by `reconcile validate`, so a pull request learns of a wrong spec without running any
/// check, at the manifest line of the wrong value.
///
/// The vocabulary is what a section's schema needs (draft 2020-12's validation keywords
/// for types, objects, arrays, strings, numbers, enums and combinations): `type`,
/// `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, `minimum`,
/// `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minLength`, `maxLength`, `pattern`,
/// `minItems`, `maxItems`, `uniqueItems`, `anyOf`, `oneOf`, `allOf`, `not`. Annotations
/// (`title`, `description`, `default`, `examples`, `format`, `$schema`, `$id`, `$comment`,
/// `$defs`, `deprecated`) are ignored. Any other keyword (`$ref`, `if`, …) is reported as
/// unsupported rather than silently skipped: a constraint nobody checks must not pass.
struct SectionSchema {
    let schema: Any
    /// Who published it, for messages.
    let plugin: String

    static let annotations: Set<String> = [
        "title", "description", "default", "examples", "format", "$schema", "$id", "$comment", "$defs", "definitions",
        "deprecated", "readOnly", "writeOnly",
    ]
    static let keywords: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
        "anyOf", "oneOf", "allOf", "not",
    ]

    /// Every place `tree` breaks the schema, each at its value's position.
    func errors(in tree: SpecTree) -> [ManifestError] {
        problems(tree, schema).map { node, message in
            ManifestError(position: node.position, keyPath: node.keyPath, message: "\(message) (\(plugin)'s --schema)")
        }
    }

    private typealias Problem = (node: SpecTree, message: String)

    private func problems(_ node: SpecTree, _ schema: Any) -> [Problem] {
        if let flag = schema as? Bool { return flag ? [] : [(node, "no value is allowed here")] }
        guard let rules = schema as? [String: Any] else { return [(node, "the schema is not a JSON object")] }
        if let keyword = rules.keys.sorted().first(where: { !Self.keywords.contains($0) && !Self.annotations.contains($0) }) {
            return [(node, "the schema uses '\(PluginAnswer.short(keyword))', which reconcile validate does not support")]
        }
        if let types = rules["type"] {
            let allowed = (types as? [String]) ?? [(types as? String) ?? ""]
            guard allowed.contains(where: { Self.isOfType(node.value, $0) }) else {
                return [(node, "expected \(allowed.joined(separator: " or ")), found \(Self.describe(node.value))")]
            }
        }
        var found: [Problem] = []
        if let choices = rules["enum"] as? [Any], !choices.contains(where: { Self.equal(node.value, $0) }) {
            found.append((node, "\(Self.describe(node.value)) is not one of \(choices.map(Self.render).joined(separator: ", "))"))
        }
        if let constant = rules["const"], !Self.equal(node.value, constant) {
            found.append((node, "must be \(Self.render(constant)), found \(Self.describe(node.value))"))
        }
        found += scalarProblems(node, rules) + collectionProblems(node, rules) + combinationProblems(node, rules)
        return found
    }

    private func scalarProblems(_ node: SpecTree, _ rules: [String: Any]) -> [Problem] {
        var found: [Problem] = []
        if let number = Self.number(node.value) {
            let bounds: [(String, (Double, Double) -> Bool, String)] = [
                ("minimum", { $0 >= $1 }, "at least"), ("maximum", { $0 <= $1 }, "at most"),
                ("exclusiveMinimum", { $0 > $1 }, "more than"), ("exclusiveMaximum", { $0 < $1 }, "less than"),
            ]
            for (keyword, holds, words) in bounds {
                if let limit = (rules[keyword] as? NSNumber)?.doubleValue, !holds(number, limit) {
                    found.append((node, "\(Self.describe(node.value)) must be \(words) \(Self.render(limit))"))
                }
            }
        }
        if case .string(let text) = node.value {
            let length = text.unicodeScalars.count
            if let least = rules["minLength"] as? Int, length < least { found.append((node, "must have at least \(least) characters")) }
            if let most = rules["maxLength"] as? Int, length > most { found.append((node, "must have at most \(most) characters")) }
            if let pattern = rules["pattern"] as? String, text.range(of: pattern, options: .regularExpression) == nil {
                found.append((node, "\(Self.describe(node.value)) does not match \(PluginAnswer.short(pattern))"))
            }
        }
        return found
    }

    private func collectionProblems(_ node: SpecTree, _ rules: [String: Any]) -> [Problem] {
        var found: [Problem] = []
        switch node.value {
        case .map(let entries):
            let properties = rules["properties"] as? [String: Any] ?? [:]
            for key in (rules["required"] as? [String] ?? []) where !entries.contains(where: { $0.key == key }) {
                found.append((node, "missing required key '\(key)'"))
            }
            for entry in entries {
                if let property = properties[entry.key] {
                    found += problems(entry.value, property)
                } else if let additional = rules["additionalProperties"] {
                    if additional as? Bool == false {
                        let allowed = properties.keys.sorted()
                        found.append(
                            (
                                entry.value,
                                "unknown key '\(PluginAnswer.short(entry.key))'" + Suggestions.didYouMean(entry.key, among: allowed)
                                    + " (allowed: \(allowed.joined(separator: ", ")))"
                            ))
                    } else {
                        found += problems(entry.value, additional)
                    }
                }
            }
        case .list(let items):
            if let least = rules["minItems"] as? Int, items.count < least { found.append((node, "must have at least \(least) items")) }
            if let most = rules["maxItems"] as? Int, items.count > most { found.append((node, "must have at most \(most) items")) }
            if rules["uniqueItems"] as? Bool == true, Set(items.map(\.value)).count != items.count {
                found.append((node, "items must be unique"))
            }
            if let item = rules["items"] { found += items.flatMap { problems($0, item) } }
        default: break
        }
        return found
    }

    private func combinationProblems(_ node: SpecTree, _ rules: [String: Any]) -> [Problem] {
        var found: [Problem] = []
        if let all = rules["allOf"] as? [Any] { found += all.flatMap { problems(node, $0) } }
        if let any = rules["anyOf"] as? [Any] {
            let each = any.map { problems(node, $0) }
            if !each.contains(where: \.isEmpty) {
                found.append(
                    (node, "matches none of the schema's anyOf alternatives: " + each.compactMap(\.first?.message).joined(separator: "; ")))
            }
        }
        if let one = rules["oneOf"] as? [Any] {
            let passing = one.map { problems(node, $0) }.filter(\.isEmpty).count
            if passing != 1 { found.append((node, "matches \(passing) of the schema's oneOf alternatives, not exactly one")) }
        }
        if let negated = rules["not"], problems(node, negated).isEmpty { found.append((node, "matches what the schema's not forbids")) }
        return found
    }

    private static func isOfType(_ value: SpecTree.Value, _ type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .list), ("object", .map): true
        case ("integer", .int), ("number", .int), ("number", .double): true
        case ("integer", .double(let number)): number.rounded() == number
        default: false
        }
    }

    private static func number(_ value: SpecTree.Value) -> Double? {
        switch value {
        case .int(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    /// Whether a manifest value equals a JSON value of the schema.
    private static func equal(_ value: SpecTree.Value, _ json: Any) -> Bool {
        switch value {
        case .null: return json is NSNull
        case .bool(let flag): return (json as? Bool) == flag && !(json is String)
        case .string(let text): return (json as? String) == text
        case .int, .double: return !(json is String) && (json as? NSNumber)?.doubleValue == number(value)
        case .list(let items):
            guard let others = json as? [Any], others.count == items.count else { return false }
            return zip(items, others).allSatisfy { equal($0.value, $1) }
        case .map(let entries):
            guard let others = json as? [String: Any], others.count == entries.count else { return false }
            return entries.allSatisfy { entry in others[entry.key].map { equal(entry.value.value, $0) } ?? false }
        }
    }

    private static func describe(_ value: SpecTree.Value) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "boolean \(flag)"
        case .int(let number): "number \(number)"
        case .double(let number): "number \(number)"
        case .string(let text): "string \(ManifestNode.quoted(text))"
        case .list: "a list"
        case .map: "a mapping"
        }
    }

    private static func render(_ json: Any) -> String {
        if let text = json as? String { return "'\(PluginAnswer.short(text))'" }
        if let data = try? JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed, .sortedKeys]) {
            return PluginAnswer.short(String(decoding: data, as: UTF8.self))
        }
        return "\(json)"
    }
}
