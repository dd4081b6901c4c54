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
            throw .file(
                file,
                "the file is \(size) bytes, more than the limit of \(maxBytes) "
                    + "(raise it with --max-manifest-bytes if this is intended)")
        }
        // The parser owns the anchors (nodes hold them weakly): kept alive through the
        // count, they tell a node reached through an alias from one written out.
        let parser: Parser
        let root: Node?
        do {
            parser = try Parser(yaml: text, resolver: resolver)
            root = try parser.singleRoot()
        } catch {
            throw ManifestErrors([ManifestDecoder.syntaxError(error, text: text, file: file, resolver: resolver)])
        }
        guard let root else { return nil }
        var budget = NodeBudget(remaining: maxExpandedNodes)
        let culprit = withExtendedLifetime(parser) { budget.spend(on: root) }
        if let culprit {
            let mark = culprit.mark
            throw ManifestErrors([
                ManifestError(
                    position: SourcePosition(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1), keyPath: "",
                    message: budget.expandedAnAlias ? aliasMessage : sizeMessage)
            ])
        }
        return root
    }

    private var aliasMessage: String {
        "anchors and aliases expand this document to more than \(maxExpandedNodes) nodes "
            + "(counting stopped in this repeated value); reconcile refuses it rather than expand it "
            + "(write the repeated values out, or alias less)"
    }

    /// The same cap met by a document written out in full: there is nothing to alias less.
    private var sizeMessage: String {
        "this document has more than \(maxExpandedNodes) nodes (counting stopped here), more than "
            + "reconcile reads from one YAML file: split it into several files (a run reads every "
            + "*.yaml in manifests/, each held to this limit on its own)"
    }
}

/// Counts nodes as an alias-expanding walk would meet them and stops at the first one
/// over the budget: the walk costs at most the budget, however large the expansion.
/// (The culprit is the node where the count ran out: inside a repeated value when aliases
/// are to blame.) An alias composes to the very node its anchor marks, so meeting an
/// anchor object a second time means the walk came through an alias.
private struct NodeBudget {
    var remaining: Int
    /// Whether an alias was expanded before the count stopped.
    private(set) var expandedAnAlias = false
    private var anchors: Set<ObjectIdentifier> = []

    init(remaining: Int) {
        self.remaining = remaining
    }

    /// nil when `node` fits; otherwise the node where the budget ran out.
    mutating func spend(on node: Node) -> Node? {
        remaining -= 1
        if let anchor = node.anchor, !anchors.insert(ObjectIdentifier(anchor)).inserted { expandedAnAlias = true }
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
