import ReconcileKit
import Testing

/// The node cap's refusal names what is true of the document: aliases that expand it
/// past the cap (alias less), or a document written out that is simply larger than the
/// cap (split it), never aliases in a file that has none. A cap of 50 keeps the
/// documents small; reconcile's own is 100,000.
@Suite struct YAMLLimitsTests {
    static let limits = YAMLLimits(maxExpandedNodes: 50)

    static func refusal(_ text: String) throws -> String {
        let error = try #require(throws: ManifestErrors.self) { try YAMLDocument.parse(text, file: "big.yaml", limits: limits) }
        return error.description
    }

    @Test func aliasesThatExpandPastTheCapAreBlamed() throws {
        // 26 nodes as written, 125 once the ten aliases are expanded.
        let message = try Self.refusal(
            """
            a: &a [x, x, x, x, x, x, x, x, x, x]
            b: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]

            """)
        #expect(message.hasPrefix("big.yaml:1:"), "\(message)") // in the repeated value
        #expect(message.contains("anchors and aliases expand this document to more than 50 nodes"), "\(message)")
        #expect(message.contains("alias less"), "\(message)")
    }

    /// 60 health checks written out, one of them anchored but never aliased.
    @Test func aDocumentWrittenOutPastTheCapIsCalledLargeNotAliased() throws {
        let checks = (1...60).map { "  - &check\($0) api-\($0)\n" }.joined()
        let message = try Self.refusal("health:\n" + checks)
        #expect(message.contains("big.yaml:"), "\(message)")
        #expect(message.contains("this document has more than 50 nodes"), "\(message)")
        #expect(message.contains("split it into several files"), "\(message)")
        #expect(!message.contains("alias"), "\(message)")
    }

    @Test func aDocumentWithinTheCapIsRead() throws {
        let document = try YAMLDocument.parse("a: &a [x, x]\nb: [*a, *a]\n", file: "small.yaml", limits: Self.limits)
        #expect(document.root != nil)
    }
}
