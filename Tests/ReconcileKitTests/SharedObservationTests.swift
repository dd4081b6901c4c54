import Foundation
import ReconcileKit
import ReconcileTestSupport
import Synchronization
import Testing

// A producer (`source:`) and a consumer (`chain:`) that reads the producer's observation,
// the way the media chain reads what Caddy, Docker and Django observed.

struct SourceSection: ManifestSection {
    static let key = "source"
    static let summary = "A source for shared observations."
    static let shape = ManifestShape.string()
    let value: String
    init(from node: ManifestNode) throws { value = try node.string() }
}

/// Counts how often each manifest's `source:` was observed.
let sourceObservations = Mutex<[String: Int]>([:])
/// The readers each manifest's `source:` observation was told of.
let sourceReaders = Mutex<[String: Set<String>?]>([:])

struct SourceChecker: Checker {
    static let identifier = "source"
    static let observes = "a counter"
    static let reports = "what it saw"
    func observe(_ spec: SourceSection, in context: ObservationContext) async throws -> String {
        sourceObservations.withLock { $0[spec.value, default: 0] += 1 }
        sourceReaders.withLock { $0[spec.value] = context.readers }
        try await Task.sleep(for: .milliseconds(50))
        return "observed \(spec.value)"
    }
    func compare(_ spec: SourceSection, with observation: String) -> [Finding] {
        [Finding(checker: Self.identifier, resource: spec.value, status: .ok, message: observation)]
    }
}

struct ChainSection: ManifestSection {
    static let key = "chain"
    static let summary = "A chain for shared observations."
    static let shape = ManifestShape.string()
    init(from node: ManifestNode) throws { _ = try node.string() }
}

struct ChainChecker: Checker {
    static let identifier = "chain"
    static let observes = "a counter"
    static let reports = "what it saw"
    static let inputs: [any Checker.Type] = [SourceChecker.self]
    func observe(_ spec: ChainSection, in context: ObservationContext) async throws -> String {
        try await context.observation(of: SourceChecker.self)
    }
    func compare(_ spec: ChainSection, with observation: String) -> [Finding] {
        [Finding(checker: Self.identifier, resource: "chain", status: .ok, message: "saw: \(observation)")]
    }
}

@Suite(.serialized) struct SharedObservationTests {
    static let registry = CheckerRegistry(checkers: [ChainChecker.self, SourceChecker.self])

    static func plan(_ body: String) throws -> [PlannedCheck] {
        try ManifestDecoder(registry: registry).decode(
            "apiVersion: reconcile/v1\nkind: Environment\n" + body, file: "shared-\(UUID()).yaml"
        ).checks
    }

    @Test func aConsumerGetsTheProducersObservationAndTheProducerIsObservedOnce() async throws {
        let tag = UUID().uuidString
        let checks = try Self.plan("chain: yes\nsource: \(tag)\n")
        #expect(checks.map(\.checker) == ["chain", "source"]) // consumer listed before its input
        let findings = await Reconciler(checkDeadline: .seconds(10)).run(checks, context: dryRunContext())
        #expect(findings.map(\.message) == ["saw: observed \(tag)", "observed \(tag)"])
        #expect(sourceObservations.withLock { $0[tag] } == 1)
        #expect(sourceReaders.withLock { $0[tag] ?? nil } == ["chain"], "the producer is told who reads it")
    }

    @Test func onlyTheConsumerStillObservesItsInputButReportsOnlyItself() async throws {
        let tag = UUID().uuidString
        let checks = try Self.plan("chain: yes\nsource: \(tag)\n")
        let findings = await Reconciler(checkDeadline: .seconds(10)).run(
            checks, context: dryRunContext(), only: ["chain"])
        #expect(findings.map(\.checker) == ["chain"])
        #expect(findings.first?.message == "saw: observed \(tag)")
        #expect(sourceObservations.withLock { $0[tag] } == 1)
    }

    @Test func onlyTheProducerLeavesTheConsumerOut() async throws {
        let tag = UUID().uuidString
        let checks = try Self.plan("chain: yes\nsource: \(tag)\n")
        let findings = await Reconciler(checkDeadline: .seconds(10)).run(
            checks, context: dryRunContext(), only: ["source"])
        #expect(findings.map(\.checker) == ["source"])
        #expect(sourceReaders.withLock { $0[tag] ?? nil } == [], "the consumer left out reads nothing")
    }

    @Test func aMissingInputSectionMakesTheConsumerUnknownWithTheReason() async throws {
        let checks = try Self.plan("chain: yes\n")
        let findings = await Reconciler(checkDeadline: .seconds(10)).run(checks, context: dryRunContext())
        #expect(findings.count == 1)
        #expect(findings.first?.status == .unknown)
        #expect(findings.first?.message == "could not observe: no source observation: the manifest has no source: section")
    }
}
