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

extension ManifestNode {
    /// Every problem `shape` finds in this node and everything below it. Decoding checks
    /// one mapping at a time and stops a section at its first problem; this walk goes on,
    /// so one `reconcile validate` lists them all. Its messages are the decoder's own (the
    /// same checks), so a problem both find is listed once (`ManifestErrors` drops repeats).
    func shapeProblems(_ shape: ManifestShape) -> [ManifestError] {
        do {
            switch shape {
            case .list(let item): return try list().flatMap { $0.shapeProblems(item) }
            case .dictionary(let value): return try entries().flatMap { $0.value.shapeProblems(value) }
            case .object(let object): return try objectProblems(object)
            case .either(let alternatives):
                // As `check`: the first alternative of this node's kind that fits, else the
                // last one's complaints (or the kind error when none is of this kind).
                var problems: [ManifestError] = []
                for alternative in alternatives where alternative.kindMatches(self) {
                    problems = shapeProblems(alternative)
                    if problems.isEmpty { return [] }
                }
                if !problems.isEmpty { return problems }
                try check(shape)
                return []
            default:
                try check(shape)
                return []
            }
        } catch let error as ManifestError {
            return [error]
        } catch {
            return [self.error("\(error)")]
        }
    }

    private func objectProblems(_ object: ManifestObject) throws -> [ManifestError] {
        var values: [String: ManifestNode] = [:]
        var problems: [ManifestError] = []
        for entry in try entries() {
            guard let key = object.key(entry.key) else {
                problems.append(entry.keyNode.unknownKey(among: object.keyNames))
                continue
            }
            values[entry.key] = entry.value
            if !entry.value.isNull { problems += entry.value.shapeProblems(key.shape) }
        }
        return problems + presenceProblems(object, written: values)
    }

    /// Keys written together that exclude each other, and required keys not written, of
    /// a mapping whose written keys are `values`.
    func presenceProblems(_ object: ManifestObject, written values: [String: ManifestNode]) -> [ManifestError] {
        func isWritten(_ key: String) -> Bool { values[key].map { !$0.isNull } ?? false }
        var problems: [ManifestError] = []
        for group in object.exclusive {
            let written = group.keys.filter(isWritten)
            if written.count > 1 { problems.append(error(group.conflict)) }
            if written.isEmpty, !group.satisfiedBy.contains(where: isWritten), let missing = group.missing {
                problems.append(error(missing))
            }
        }
        for key in object.keys where key.isRequired && values[key.name] == nil {
            problems.append(error("missing required key '\(key.name)'"))
        }
        return problems
    }

    /// The complaint about this key node, which `allowed` does not declare.
    func unknownKey(among allowed: [String]) -> ManifestError {
        let key = yaml.scalar?.string ?? ""
        return error(
            "unknown key \(Self.quoted(key))" + Suggestions.didYouMean(key, among: allowed)
                + " (allowed: \(allowed.joined(separator: ", ")))")
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
        case .list: node.isList
        case .object, .dictionary: node.isMapping
        case .anyValue: true
        case .either(let alternatives): alternatives.contains { $0.kindMatches(node) }
        case .string, .integer, .boolean, .scalar: !node.isMapping && !node.isList
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
