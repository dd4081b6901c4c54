import ReconcileKit
import Testing

/// `YAMLWriter`, the one place discovered text becomes YAML: hostile strings (a quote, a
/// newline, `${…}`, `#`, `: `, YAML's own words, control and bidi characters, line
/// separators) written as values, keys and comments read back through the manifest's
/// own YAML reader as exactly what was written, and no comment ever becomes a key.
@Suite struct YAMLWriterTests {
    static let hostile = [
        "plain", "", " leading and trailing ", "quote \" and 'single'", "back\\slash", "new\nline", "tab\there",
        "${HOME} and $${literal} and $", "# not a comment", "key: value", "- not a list", "yes", "no", "null", "~", "true",
        "0x1F", "1e3", "007", "@at", "`tick`", "*alias", "&anchor", "!tag", "%directive", "[flow, list]", "{flow: map}",
        "NUL \u{0} BEL \u{7} ESC \u{1B}[31m", "DEL \u{7F} C1 \u{85}\u{9B}", "line\u{2028}separator\u{2029}paragraph",
        "bidi \u{202E}evil\u{202C}", "BOM \u{FEFF}", "ünïcødé 🐳", "CR\r\nLF", "--- document", "... end",
        "'", "\"", "-", "-1", "+1", ".5", "1_000", "0o17", ".inf", "-.inf", ".NaN", "1:20", "2026-11-28", "y", "n", "on",
        "off", "Yes", "NULL", "?", ":", "|", ">", "a: b # c", "trailing colon:", "interlinear \u{FFF9}x\u{FFFB}",
        "nonchar \(Unicode.Scalar(0xFDD0)!)\(Unicode.Scalar(0xFFFE)!)", "ALM \u{061C} LRM \u{200E} isolate \u{2066}x\u{2069}",
        "astral 𝔘\u{E0041}",
    ]

    /// Reads `text` back as the manifest decoder does and returns the top-level mapping.
    static func read(_ text: String) throws -> [(key: String, keyNode: ManifestNode, value: ManifestNode)] {
        let document = try YAMLDocument.parse(text, file: "written.yaml")
        return try #require(document.root).entries()
    }

    @Test(arguments: hostile)
    func aHostileStringIsReadBackAsItself(_ text: String) throws {
        let written = YAMLWriter.document([
            YAMLEntry("value", .string(text)), YAMLEntry("list", .strings([text, "after"])),
            YAMLEntry("nested", .map([YAMLEntry("inner", .string(text))])),
        ])
        let entries = try Self.read(written)
        #expect(entries.map(\.key) == ["value", "list", "nested"], "\(written)")
        #expect(try entries[0].value.string() == text, "\(written)")
        #expect(try entries[1].value.stringList() == [text, "after"], "\(written)")
        #expect(try entries[2].value.entries().first?.value.string() == text, "\(written)")
    }

    /// What a person reads must not hide anything: no scalar `UntrustedText` escapes in
    /// every output (controls, bidi, separators, noncharacters) reaches the file as
    /// itself, in a value or a key. One list decides it for both.
    @Test(arguments: hostile)
    func noScalarTheOutputsEscapeIsWrittenAsItself(_ text: String) throws {
        let written = YAMLWriter.document([YAMLEntry(text, .string(text)), YAMLEntry("list", .strings([text]))])
        let unsafe = written.unicodeScalars.filter { $0 != "\n" && UntrustedText.terminalLine(String($0)) != String($0) }
        #expect(unsafe.isEmpty, "\(unsafe.map { String($0.value, radix: 16) }) in \(UntrustedText.terminalLine(written))")
    }

    @Test(arguments: hostile)
    func aHostileKeyIsReadBackAsItself(_ text: String) throws {
        let written = YAMLWriter.document([YAMLEntry(text, .int(1)), YAMLEntry("next", .bool(true))])
        let entries = try Self.read(written)
        #expect(entries.map(\.key) == [text, "next"], "\(written)")
    }

    @Test(arguments: hostile)
    func aHostileCommentStaysAComment(_ text: String) throws {
        let written = YAMLWriter.document(
            [
                YAMLEntry("a", .string("x"), comments: [text]),
                YAMLEntry("b", .list([YAMLItem(.map([YAMLEntry("c", .int(2), comments: [text])]), comments: [text])])),
            ],
            comments: [text])
        let entries = try Self.read(written)
        #expect(entries.map(\.key) == ["a", "b"], "\(written)")
        #expect(try entries[1].value.list().first?.entries().map(\.key) == ["c"], "\(written)")
        // Every line is a comment, a key or a list item: nothing a comment carried escaped it.
        for line in written.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            #expect(trimmed.hasPrefix("#") || trimmed.hasPrefix("a:") || trimmed.hasPrefix("b:") || trimmed.hasPrefix("- c:"), "\(line)")
        }
    }

    @Test func scalarsKeepTheirTypesAndCollectionsTheirShape() throws {
        let written = YAMLWriter.document([
            YAMLEntry("int", .int(-42)), YAMLEntry("double", .double(2.5)), YAMLEntry("whole", .double(3)),
            YAMLEntry("yes", .bool(true)), YAMLEntry("nothing", .null), YAMLEntry("empty_list", .list([YAMLItem]())),
            YAMLEntry("empty_map", .map([])), YAMLEntry("nested", .list([.list([.int(1)]), .map([YAMLEntry("k", .string("v"))])])),
        ])
        let values = try Self.read(written).map { try $0.value.value() }
        #expect(
            values == [
                .int(-42), .double(2.5), .double(3), .bool(true), .null, .list([]), .map([]),
                .list([.list([.int(1)]), .map([ManifestValue.Entry(key: "k", value: .string("v"))])]),
            ], "\(written)")
        #expect(written.contains("\nyes: true\n") == false, "a key a YAML 1.1 reader takes for a boolean is quoted: \(written)")
    }
}
