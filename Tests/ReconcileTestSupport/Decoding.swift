import ReconcileKit

/// Decodes the `S.key:` section of a manifest through the real `ManifestDecoder` (header,
/// `vars:`, positions, every error collected) and returns the typed spec: the one way
/// tests reach a decoded section. `yaml` is a manifest; the `apiVersion`/`kind` header
/// is put in front when it has none (so positions count from line 3). Other sections
/// are not decoded: a plugin's tests see only its own.
public func decode<S: ManifestSection>(
    _ type: S.Type = S.self, yaml: String, file: String = "test.yaml", variables: [String: String] = [:]
) throws(ManifestErrors) -> S {
    let registry = CheckerRegistry(checkers: [], pending: [PendingSection(checker: S.key, section: S.self)])
    let hasHeader = yaml.split(separator: "\n").contains { $0.hasPrefix("apiVersion:") }
    let text = hasHeader ? yaml : "apiVersion: reconcile/v1\nkind: Environment\n" + yaml
    let manifest = try ManifestDecoder(registry: registry).decode(text, file: file, variableOverrides: variables)
    guard let spec = manifest.checks.first?.spec as? S else {
        throw ManifestErrors([
            ManifestError(position: SourcePosition(file: file, line: 1, column: 1), keyPath: "", message: "no \(S.key): section")
        ])
    }
    return spec
}

/// Decodes a section's body alone (the YAML under `S.key:`), with positions counted in
/// `body`: for tests of one section's values.
public func decode<S: ManifestSection>(
    _ type: S.Type = S.self, body: String, file: String = "test.yaml", variables: [String: String] = [:]
) throws(ManifestErrors) -> S {
    let document = try YAMLDocument.parse(body, file: file, variables: variables)
    guard let root = document.root else {
        throw ManifestErrors([ManifestError(position: SourcePosition(file: file, line: 1, column: 1), keyPath: "", message: "empty")])
    }
    let spec: S
    do {
        spec = try S(from: root)
    } catch let error as ManifestError {
        throw ManifestErrors(document.reportedErrors + [error])
    } catch {
        throw ManifestErrors([root.error("\(error)")])
    }
    if !document.reportedErrors.isEmpty { throw ManifestErrors(document.reportedErrors) }
    return spec
}

/// The errors decoding `yaml` (as `decode(_:yaml:)` does) gives, as `line:column: key.path:
/// message`; [] when it decodes.
public func decodingErrors<S: ManifestSection>(_ type: S.Type, yaml: String, variables: [String: String] = [:]) -> [String] {
    do {
        _ = try decode(type, yaml: yaml, variables: variables)
        return []
    } catch {
        return error.errors.map { "\($0.position.line):\($0.position.column): \($0.keyPath): \($0.message)" }
    }
}
