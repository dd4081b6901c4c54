import Yams

/// The bounds a YAML file from the config repository is held to before anything decodes
/// it: whoever can push to that repository writes it, and reconcile often runs as root.
///
/// Why these two: a file's size bounds the parser's work, but not what anchors and
/// aliases make of it. Yams shares an anchored node between its aliases, so composing is
/// cheap; it is walking the tree (decoding a setting's value, say) that expands every
/// alias, and nine levels of nine aliases (a 725-byte "billion laughs") expand to 387
/// million nodes. Counting the expanded nodes first, with a cap far above any real
/// manifest or compose file, keeps anchors usable (compose files rely on them) while a
/// bomb is refused in microseconds. Nesting depth needs no bound of ours: libyaml stops
/// at 1,000 levels.
public struct YAMLLimits: Sendable, Hashable {
    /// The most bytes a manifest may have (`--max-manifest-bytes`).
    public var maxBytes: Int
    /// The most nodes the document may have once every alias is expanded.
    public var maxExpandedNodes: Int

    public static let defaultMaxBytes = 1 << 20
    public static let defaultMaxExpandedNodes = 100_000

    public init(maxBytes: Int = defaultMaxBytes, maxExpandedNodes: Int = defaultMaxExpandedNodes) {
        self.maxBytes = maxBytes
        self.maxExpandedNodes = maxExpandedNodes
    }

    /// Composes `text` into Yams' node tree within these limits; nil for an empty document.
    /// Every refusal is a positioned `ManifestError`.
    func compose(_ text: String, file: String, resolver: Resolver) throws(ManifestErrors) -> Node? {
        let size = text.utf8.count
        guard size <= maxBytes else {
            throw ManifestErrors([
                ManifestError(
                    position: SourcePosition(file: file, line: 1, column: 1), keyPath: "",
                    message: "the file is \(size) bytes, more than the limit of \(maxBytes) "
                        + "(raise it with --max-manifest-bytes if this is intended)")
            ])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, resolver)
        } catch {
            throw ManifestErrors([ManifestDecoder.syntaxError(error, file: file)])
        }
        guard let root else { return nil }
        var budget = NodeBudget(remaining: maxExpandedNodes)
        if let culprit = budget.spend(on: root) {
            let mark = culprit.mark
            throw ManifestErrors([
                ManifestError(
                    position: SourcePosition(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1), keyPath: "",
                    message: "anchors and aliases expand this document to more than \(maxExpandedNodes) nodes "
                        + "(counting stopped in this repeated value); reconcile refuses it rather than expand it "
                        + "(write the repeated values out, or alias less)")
            ])
        }
        return root
    }
}

/// Counts nodes as an alias-expanding walk would meet them and stops at the first one
/// over the budget: the walk costs at most the budget, however large the expansion.
/// (Yams keeps no trace of which node came through an alias, so the culprit is the node
/// where the count ran out: inside the value that is repeated.)
private struct NodeBudget {
    var remaining: Int

    /// nil when `node` fits; otherwise the node where the budget ran out.
    mutating func spend(on node: Node) -> Node? {
        remaining -= 1
        if remaining < 0 { return node }
        switch node {
        case .scalar, .alias:
            return nil
        case .mapping(let mapping):
            for (key, value) in mapping {
                if let culprit = spend(on: key) ?? spend(on: value) { return culprit }
            }
        case .sequence(let sequence):
            for element in sequence {
                if let culprit = spend(on: element) { return culprit }
            }
        }
        return nil
    }
}
