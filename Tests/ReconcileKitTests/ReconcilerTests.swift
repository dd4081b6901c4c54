import Foundation
import ReconcileKit
import ReconcileTestSupport
import Testing

/// The reconciler runs every checker at once, each under a deadline, and a checker that
/// throws or hangs costs only its own findings.
@Suite struct ReconcilerTests {
    static func plan(_ scripts: [String: Scripts.Body]) throws -> [PlannedCheck] {
        let body = scripts.keys.sorted().map { "\($0):\n  script: \(Scripts.register(scripts[$0]!))\n" }.joined()
        return try decode(body).checks
    }

    static func ok(_ checker: String, _ resource: String) -> Finding {
        Finding(checker: checker, resource: resource, status: .ok, message: "fine")
    }

    @Test func checkersRunConcurrently() async throws {
        // Each checker signals, then waits for the other's signal: run one after the
        // other, the first would wait forever and be cut off at the deadline.
        let alphaStarted = Gate()
        let betaStarted = Gate()
        let checks = try Self.plan([
            "alpha": {
                alphaStarted.open()
                await betaStarted.wait()
                return [Self.ok("alpha", "a")]
            },
            "beta": {
                betaStarted.open()
                await alphaStarted.wait()
                return [Self.ok("beta", "b")]
            },
        ])
        defer {
            alphaStarted.open()
            betaStarted.open()
        }
        let findings = await Reconciler(checkDeadline: .seconds(10)).run(checks, context: dryRunContext())
        #expect(findings.map(\.status) == [.ok, .ok])
        #expect(findings.map(\.resource) == ["a", "b"])
    }

    @Test func findingsComeInManifestOrderWhateverOrderCheckersFinishIn() async throws {
        let betaDone = Gate()
        let checks = try Self.plan([
            "alpha": {
                await betaDone.wait()
                return [Self.ok("alpha", "a1"), Self.ok("alpha", "a2")]
            },
            "beta": {
                defer { betaDone.open() }
                return [Self.ok("beta", "b1")]
            },
            "gamma": { [] },
        ])
        let findings = await Reconciler(checkDeadline: .seconds(10)).run(checks, context: dryRunContext())
        #expect(findings.map(\.resource) == ["a1", "a2", "b1"])
    }

    @Test func aThrowingCheckerBecomesOneUnknownFindingAndOthersStillReport() async throws {
        let checks = try Self.plan([
            "alpha": { [Self.ok("alpha", "a")] },
            "beta": { throw ScriptError(description: "socket /run/docker.sock is missing") },
            "gamma": { [Finding(checker: "gamma", resource: "g", status: .drift, message: "off")] },
        ])
        let findings = await Reconciler(checkDeadline: .seconds(10)).run(checks, context: dryRunContext())
        #expect(findings.count == 3)
        #expect(findings[0] == Self.ok("alpha", "a"))
        #expect(findings[2].status == .drift)
        let unknown = findings[1]
        #expect(unknown.checker == "beta")
        #expect(unknown.resource == "beta")
        #expect(unknown.status == .unknown)
        #expect(unknown.severity == .error)
        #expect(unknown.message == "could not observe: socket /run/docker.sock is missing")
        #expect(unknown.position == checks[1].position)
    }

    @Test func aHangingCheckerThatIgnoresCancellationIsCutOffAtTheDeadline() async throws {
        let release = Gate()
        let sawCancellation = Flag()
        let checks = try Self.plan([
            "alpha": {
                await release.wait() // does not return when cancelled
                if Task.isCancelled { sawCancellation.set() }
                return [Self.ok("alpha", "late")]
            },
            "beta": { [Self.ok("beta", "b")] },
        ])
        let clock = ContinuousClock()
        let started = clock.now
        let findings = await Reconciler(checkDeadline: .milliseconds(300)).run(checks, context: dryRunContext())
        let elapsed = clock.now - started
        release.open()

        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(5), "the run waited for the hung checker")
        #expect(findings.count == 2)
        #expect(findings[0].checker == "alpha")
        #expect(findings[0].status == .unknown)
        #expect(findings[0].message == "did not finish within 300ms")
        #expect(findings[1] == Self.ok("beta", "b"))
        // The hung checker was told to stop; its late result went nowhere.
        for _ in 0..<250 where !sawCancellation.isSet { try await Task.sleep(for: .milliseconds(20)) }
        #expect(sawCancellation.isSet, "the hung checker was never cancelled")
    }

    @Test func fastCheckersDoNotWaitForTheDeadline() async throws {
        let checks = try Self.plan(["alpha": { [Self.ok("alpha", "a")] }, "beta": { [] }])
        let clock = ContinuousClock()
        let started = clock.now
        let findings = await Reconciler(checkDeadline: .seconds(30)).run(checks, context: dryRunContext())
        #expect(clock.now - started < .seconds(10))
        #expect(findings == [Self.ok("alpha", "a")])
    }

    @Test func noChecksNoFindings() async {
        #expect(await Reconciler().run([], context: dryRunContext()).isEmpty)
    }

    @Test(
        "short durations read well in messages",
        arguments: [
            (Duration.milliseconds(300), "300ms"), (.seconds(60), "60s"), (.milliseconds(2500), "2.5s"),
            (.milliseconds(999), "999ms"),
        ])
    func durationText(_ duration: Duration, _ text: String) {
        #expect(duration.secondsText == text)
    }
}
