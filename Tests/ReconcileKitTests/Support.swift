import Foundation
import ReconcileKit
import ReconcileTestSupport
import Synchronization

// Test doubles for ReconcileKit: a source with no files, a probe section that exercises
// every ManifestNode decoder, and scripted checkers whose behaviour each test supplies.

// MARK: - Probe: one section that uses every typed decoder

/// `probe:` reads each kind of value through ManifestNode so decoding can be tested
/// without any real checker; `fields` is what was decoded.
struct ProbeSection: ManifestSection {
    static let key = "probe"
    static let summary = "Every kind of value."
    static let shape = ManifestShape.object(object)
    static let inner = ManifestObject([.required("inner", .string(), "")])
    static let object = ManifestObject([
        .optional("url", .string(.url(schemes: ["http", "https"])), ""),
        .optional("socket", .string(.url(schemes: ["unix", "http"])), ""),
        .optional("enabled", .boolean, ""),
        .optional("count", .integer(1...10), ""),
        .optional("label", .string(), ""),
        .optional("value", .anyValue, ""),
        .optional("tags", .list(.string()), ""),
        .optional("nested", .object(inner), ""),
    ])

    var fields: [(String, String)] = []

    init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        if let url = try map.optional("url")?.string() { fields.append(("url", url)) }
        if let socket = try map.optional("socket")?.string() { fields.append(("socket", socket)) }
        if let enabled = try map.optional("enabled")?.bool() { fields.append(("enabled", String(enabled))) }
        if let count = try map.optional("count")?.int() { fields.append(("count", String(count))) }
        if let label = try map.optional("label")?.string() { fields.append(("label", label)) }
        if let value = try map.optional("value")?.value() { fields.append(("value", value.description)) }
        if let tags = try map.optional("tags")?.stringList() { fields.append(("tags", tags.joined(separator: ","))) }
        if let nested = map.optional("nested") {
            fields.append(("nested.inner", try nested.mapping(Self.inner).required("inner").string()))
        }
    }
}

/// `values:` is a free-form mapping decoded with `ManifestNode.value()`.
struct ValueSection: ManifestSection {
    static let key = "values"
    static let summary = "Free-form typed values."
    static let shape = ManifestShape.dictionary(.anyValue)
    let values: [(String, ManifestValue)]
    init(from node: ManifestNode) throws {
        values = try node.entries().map { ($0.key, try $0.value.value()) }
    }
}

/// The typed values of a `values:` section, by key.
func typedValues(_ body: String) async throws -> [String: ManifestValue] {
    Dictionary(uniqueKeysWithValues: try ReconcileTestSupport.decode(ValueSection.self, yaml: body).values)
}

// MARK: - Scripted checkers for the reconciler

/// What a scripted checker does when observed: registered under a unique name by the
/// test, referenced from the manifest as `script: NAME`.
enum Scripts {
    typealias Body = @Sendable () async throws -> [Finding]
    private static let table = Mutex<[String: Body]>([:])

    static func register(_ body: @escaping Body) -> String {
        let name = UUID().uuidString
        table.withLock { $0[name] = body }
        return name
    }

    static func run(_ name: String) async throws -> [Finding] {
        guard let body = table.withLock({ $0[name] }) else { throw ScriptError(description: "no script \(name)") }
        return try await body()
    }
}

struct ScriptError: Error, CustomStringConvertible {
    let description: String
}

let scriptObject = ManifestObject([.required("script", .string(), "The registered script's name.")])

protocol ScriptedSection: ManifestSection {
    var script: String { get }
    init(script: String)
}

extension ScriptedSection {
    static var summary: String { "A scripted checker's section." }
    static var shape: ManifestShape { .object(scriptObject) }
    init(from node: ManifestNode) throws {
        self.init(script: try node.mapping(scriptObject).required("script").string())
    }
}

struct AlphaSection: ScriptedSection {
    static let key = "alpha"
    let script: String
}

struct BetaSection: ScriptedSection {
    static let key = "beta"
    let script: String
}

struct GammaSection: ScriptedSection {
    static let key = "gamma"
    let script: String
}

/// A checker whose observation is whatever its script returns.
struct ScriptedChecker<Spec: ScriptedSection>: Checker {
    static var identifier: String { Spec.key }
    static var observes: String { "whatever its script returns" }
    static var reports: String { "its script's findings" }
    func observe(_ spec: Spec, in context: ObservationContext) async throws -> [Finding] {
        try await Scripts.run(spec.script)
    }
    func compare(_ spec: Spec, with observation: [Finding]) -> [Finding] { observation }
}

let testRegistry = CheckerRegistry(
    checkers: [ScriptedChecker<AlphaSection>.self, ScriptedChecker<BetaSection>.self, ScriptedChecker<GammaSection>.self],
    pending: [
        PendingSection(checker: "probe", section: ProbeSection.self), PendingSection(checker: "values", section: ValueSection.self),
    ])

/// Decodes `body` after the two required header lines, as `test.yaml`.
func decode(_ body: String, overrides: [String: String] = [:]) throws(ManifestErrors) -> Manifest {
    try ManifestDecoder(registry: testRegistry).decode(
        "apiVersion: reconcile/v1\nkind: Environment\n" + body, file: "test.yaml", variableOverrides: overrides)
}

/// The error lines a manifest produces (`file:line:col: key: message`), or [] if valid.
func errorLines(_ text: String, file: String = "test.yaml", overrides: [String: String] = [:]) -> [String] {
    do {
        _ = try ManifestDecoder(registry: testRegistry).decode(text, file: file, variableOverrides: overrides)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// The probe's decoded fields, by name.
func probeFields(_ body: String, overrides: [String: String] = [:]) async throws -> [String: String] {
    Dictionary(uniqueKeysWithValues: try ReconcileTestSupport.decode(ProbeSection.self, yaml: body, variables: overrides).fields)
}

/// A one-shot signal that tasks can wait for. Waiting ignores cancellation on purpose:
/// it stands in for a checker stuck in a call that cannot be interrupted.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let proceed = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if proceed { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A flag set from any task.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
