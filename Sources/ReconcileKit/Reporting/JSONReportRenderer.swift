import Foundation

/// The machine-readable report: `{"version": 1, "source", "mode", "summary",
/// "findings"}` with sorted keys, so output is stable across runs and versions.
public enum JSONReportRenderer {
    public static func render(_ report: Report) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report), let text = String(data: data, encoding: .utf8) else {
            return #"{"version": 1, "error": "report could not be encoded"}"#
        }
        return text + "\n"
    }
}
