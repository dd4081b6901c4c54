import Foundation

extension ManifestNode {
    /// Checks this node against its declared shape, one level deep: the kind, and for
    /// scalars (also a list's or dictionary's items) the format and range. Nested
    /// mappings are checked when their decoder calls `mapping(_:)`, so each problem is
    /// reported once, by the decoder that reads it.
    func check(_ shape: ManifestShape) throws {
        switch shape {
        case .string(let format): try check(format)
        case .integer(let range): _ = try int(in: range)
        case .boolean: _ = try bool()
        case .scalar:
            guard yaml.scalar != nil, !isNull else { throw error("expected a string or a number, found \(kindDescription)") }
        case .list(let item):
            for element in try list() where !item.isNested { try element.check(item) }
        case .object:
            guard isMapping else { throw error("expected a mapping of key: value, found \(kindDescription)") }
        case .dictionary(let value):
            for entry in try entries() where !value.isNested { try entry.value.check(value) }
        case .anyValue: break
        case .either(let alternatives):
            // The first alternative of this node's kind that fits; else the last one's complaint.
            var failure: (any Error)?
            for alternative in alternatives where alternative.kindMatches(self) {
                do {
                    return try check(alternative)
                } catch let problem {
                    failure = problem
                }
            }
            throw failure ?? error("expected \(shape.kindName), found \(kindDescription)")
        }
    }

    private func check(_ format: StringFormat) throws {
        switch format {
        case .any, .constant: _ = try string()
        case .nonEmpty: _ = try nonEmptyString()
        case .choice(let words, let ignoringCase):
            let text = try string()
            guard words.contains(ignoringCase ? text.uppercased() : text) else {
                throw error(
                    "\(Self.quoted(text)) is not one of \(words.joined(separator: ", "))" + Suggestions.didYouMean(text, among: words))
            }
        case .absolutePath:
            let text = try nonEmptyString()
            guard text.hasPrefix("/") else { throw error("must be an absolute path, got \(Self.quoted(text))") }
        case .url(let schemes): _ = try url(schemes: schemes)
        case .pattern(let pattern, let hint, let words):
            let text = try string()
            guard text.range(of: "^(?:\(pattern))$", options: .regularExpression) != nil else {
                throw error("\(Self.quoted(text)) is not \(hint)" + Suggestions.didYouMean(text, among: words))
            }
        }
    }
}

extension ManifestShape {
    /// A list or mapping: checked by the decoder that reads it (`either` is checked
    /// here, its mapping alternative only for its kind).
    var isNested: Bool {
        switch self {
        case .list, .object, .dictionary: true
        default: false
        }
    }

    func kindMatches(_ node: ManifestNode) -> Bool {
        switch self {
        case .list: node.isSequence
        case .object, .dictionary: node.isMapping
        case .anyValue: true
        case .either(let alternatives): alternatives.contains { $0.kindMatches(node) }
        case .string, .integer, .boolean, .scalar: !node.isMapping && !node.isSequence
        }
    }

    var kindName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .boolean: "true or false"
        case .scalar: "a string or a number"
        case .list: "a list"
        case .object, .dictionary: "a mapping"
        case .anyValue: "a value"
        case .either(let alternatives): alternatives.map(\.kindName).joined(separator: " or ")
        }
    }
}
