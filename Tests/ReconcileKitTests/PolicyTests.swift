import CurlHTTP
import Foundation
import ReconcileTestSupport
import TestSupport
import Testing

@testable import ReconcileKit

/// The run's request policy cannot be forgotten or bypassed, and a checker's result is
/// never silently dropped.
@Suite struct PolicyTests {
    @Test func aDryRunContextsClientRefusesAWriteBeforeItReachesTheNetwork() async throws {
        let context = ObservationContext(mode: .dryRun, source: StubSource(), environment: [:])
        let request = HTTPRequest(method: "POST", url: "http://127.0.0.1:1/load")
        await #expect(throws: HTTPError.self) { _ = try await context.http.send(request) }
        do {
            _ = try await context.http.send(request)
        } catch {
            #expect(error.kind == .refusedByPolicy)
        }
    }

    /// Only ObservationContext (the mode's policy) and ApplyContext (the apply policy)
    /// make clients for plugins: no plugin or other library file constructs an HTTPClient
    /// of its own (the initializer is `package`, so this guards this package's own plugins).
    @Test func onlyTheContextsConstructAnHTTPClient() throws {
        let root = TestPaths.repositoryRoot
        var constructing: [String] = []
        for folder in ["Sources", "Plugins"] {
            let walker = try #require(FileManager.default.enumerator(atPath: "\(root)/\(folder)"))
            for case let relative as String in walker where relative.hasSuffix(".swift") {
                let text = try String(contentsOfFile: "\(root)/\(folder)/\(relative)", encoding: .utf8)
                if text.contains("HTTPClient(policy") { constructing.append("\(folder)/\(relative)") }
            }
        }
        #expect(
            constructing.sorted() == [
                "Sources/ReconcileKit/Applying/ApplyContext.swift", "Sources/ReconcileKit/Checking/ObservationContext.swift",
            ])
    }

    @Test func anObservationOfTheWrongTypeIsUnknownNotNothing() {
        let findings = CheckerRegistry.compare(
            ScriptedChecker<AlphaSection>.self, AlphaSection(script: "x"), "a string, not findings",
            at: SourcePosition(file: "m.yaml", line: 3, column: 1))
        #expect(findings.map(\.status) == [.unknown])
        #expect(findings.first?.checker == "alpha")
        #expect(findings.first?.position?.line == 3)
        #expect(findings.first?.message.contains("nothing was compared") == true)
    }
}
