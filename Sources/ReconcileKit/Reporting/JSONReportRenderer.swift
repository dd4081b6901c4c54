import Foundation

/// The machine-readable report: `{"version": 1, "source", "mode", "summary",
/// "findings"}` with sorted keys, so output is stable across runs and versions.
/// Control characters are escaped (C0 by the JSON encoder, C1 and bidi overrides by
/// `UntrustedText.jsonText`); every text field is capped
/// (`fieldLimit`), so a service answering a million digits cannot bloat the report.
public enum JSONReportRenderer {
    /// The most characters of one text field: more than a terminal shows, since
    /// machines read the report, but bounded.
    public static let fieldLimit = 4096

    public static func render(_ report: Report) -> String {
        document(report.mapText { UntrustedText.capped($0, limit: fieldLimit) })
    }

    /// Every JSON document reconcile prints (reports, validation, plan, SARIF) in one
    /// style: pretty, sorted keys, unescaped slashes, controls escaped, newline-ended.
    public static func document(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) else {
            return #"{"version": 1, "error": "the document could not be encoded"}"# + "\n"
        }
        return UntrustedText.jsonText(text) + "\n"
    }
}
