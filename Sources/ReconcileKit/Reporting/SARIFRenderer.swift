import Foundation

/// SARIF 2.1.0 (code scanning on GitHub, GitLab, Azure DevOps): one rule per kind of
/// check with a stable `ruleId`, results at the manifest's file and line, and
/// `partialFingerprints` derived from what the result is about (checker, resource, rule),
/// never from a line number or an observed value, so an alert survives edits above it.
/// Pure; validated against the OASIS schema in tests.
public enum SARIFRenderer {
    public static let schemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    public static func render(_ results: [CheckResult]) -> String {
        let listed = results.filter(\.listed)
        var rules: [String: String] = [:]
        for result in results where rules[result.ruleID] == nil { rules[result.ruleID] = result.ruleSummary }
        let ruleIDs = rules.keys.sorted()
        let document = Log(
            runs: [
                Run(
                    tool: Tool(
                        driver: Driver(
                            rules: ruleIDs.map { Rule(id: $0, shortDescription: Text(text: rules[$0] ?? $0)) })),
                    results: listed.map { result in
                        SARIFResult(
                            ruleId: result.ruleID, ruleIndex: ruleIDs.firstIndex(of: result.ruleID) ?? 0,
                            level: level(result),
                            message: Text(
                                text: UntrustedText.capped(
                                    result.detail.isEmpty ? result.message : "\(result.message)\n\(result.detail)",
                                    limit: JSONReportRenderer.fieldLimit)),
                            locations: result.position.map { position in
                                [
                                    Location(
                                        physicalLocation: PhysicalLocation(
                                            artifactLocation: ArtifactLocation(uri: uri(position.file)),
                                            region: Region(startLine: max(1, position.line), startColumn: max(1, position.column))))
                                ]
                            } ?? [],
                            partialFingerprints: [
                                "reconcileResult/v1": StableDigest.hex("\(result.ruleID)|\(result.position?.file ?? "")|\(result.identity)")
                            ])
                    })
            ])
        return JSONReportRenderer.document(document)
    }

    /// A manifest's repository path as a relative URI reference (RFC 3986 §3.3): each byte
    /// outside the unreserved characters, the sub-delimiters, `@` and the `/` between
    /// segments is percent-encoded, so `my prod#1%.yaml` stays one path (`#` would start a
    /// fragment, `%` an escape) and a first segment with `:` is never read as a scheme.
    static func uri(_ path: String) -> String {
        path.addingPercentEncoding(withAllowedCharacters: uriPathCharacters) ?? path
    }

    /// ASCII letters and digits, RFC 3986's unreserved marks and sub-delimiters, `@` and `/`.
    private static let uriPathCharacters = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/!$&'()*+,;=@")

    static func level(_ result: CheckResult) -> String {
        if result.outcome == .errored { return "warning" }
        switch result.severity {
        case .critical, .error: return "error"
        case .warning: return "warning"
        case .info: return "note"
        }
    }

    struct Log: Encodable {
        let schema = SARIFRenderer.schemaURI
        let version = "2.1.0"
        let runs: [Run]
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case version, runs
        }
    }

    struct Run: Encodable {
        let tool: Tool
        let results: [SARIFResult]
    }

    struct Tool: Encodable { let driver: Driver }

    struct Driver: Encodable {
        let name = "reconcile"
        let rules: [Rule]
    }

    struct Rule: Encodable {
        let id: String
        let shortDescription: Text
    }

    struct Text: Encodable { let text: String }

    struct SARIFResult: Encodable {
        let ruleId: String
        let ruleIndex: Int
        let level: String
        let message: Text
        let locations: [Location]
        let partialFingerprints: [String: String]
    }

    struct Location: Encodable { let physicalLocation: PhysicalLocation }

    struct PhysicalLocation: Encodable {
        let artifactLocation: ArtifactLocation
        let region: Region
    }

    struct ArtifactLocation: Encodable { let uri: String }

    struct Region: Encodable {
        let startLine: Int
        let startColumn: Int
    }
}
