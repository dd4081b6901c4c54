import Foundation

/// What reconcile sends an external checker on stdin: protocol version 1 of
/// docs/plugin-protocol.md (its JSON Schema: docs/plugin-protocol.schema.json, `request`).
struct PluginRequest {
    static let protocolVersion = 1

    let checker: String
    let spec: SpecTree
    let variables: [String: String]
    let mode: RunMode
    let deadline: Duration
    let position: SourcePosition

    /// The request as one JSON document.
    var json: Data {
        let milliseconds = max(1, Int(deadline.components.seconds * 1000 + deadline.components.attoseconds / 1_000_000_000_000_000))
        let object: [String: Any] = [
            "protocol": Self.protocolVersion, "checker": checker, "spec": spec.jsonObject, "vars": variables,
            "mode": mode.rawValue, "deadline_ms": milliseconds,
            "manifest": ["file": position.file, "line": position.line],
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}
