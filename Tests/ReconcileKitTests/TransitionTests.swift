import Foundation
import ReconcileKit
import Testing

/// Which changes between two runs are worth a message, and what the messages say: pure
/// functions of two reports.
@Suite struct TransitionTests {
    static func report(_ findings: [Finding]) -> Report {
        Report(origin: ReportTests.origin, manifest: "manifests/prod.yaml", mode: .dryRun, findings: findings)
    }

    static func finding(_ resource: String, _ status: Status, checker: String = "health") -> Finding {
        Finding(
            checker: checker, resource: resource, status: status, expected: "status 200", observed: "status 502",
            message: "answered 502 <b>&", position: SourcePosition(file: "manifests/prod.yaml", line: 3, column: 5))
    }

    @Test func driftThatAppearsPersistsAndResolvesIsTwoTransitions() {
        let runs = [
            Self.report([Self.finding("api", .ok)]),
            Self.report([Self.finding("api", .drift)]),
            Self.report([Self.finding("api", .drift)]),
            Self.report([Self.finding("api", .ok)]),
            Self.report([Self.finding("api", .ok)]),
        ]
        let kinds = zip([nil] + runs.dropLast(), runs).map { Transition.between($0, $1).map(\.kind) }
        #expect(kinds == [[], [.drift], [], [.resolved], []])
    }

    @Test func withoutAnEarlierRunEveryProblemIsNew() {
        let transitions = Transition.between(
            nil, Self.report([Self.finding("a", .drift), Self.finding("b", .unknown), Self.finding("c", .ok)]))
        #expect(transitions.map(\.kind) == [.drift, .unknown])
        #expect(transitions.allSatisfy { $0.previous == nil })
    }

    @Test func unknownToDriftAndBackAreTransitionsAndAVanishedFindingIsNotResolved() {
        let unknown = Self.report([Self.finding("a", .unknown)])
        let drift = Self.report([Self.finding("a", .drift)])
        #expect(Transition.between(unknown, drift).map(\.kind) == [.drift])
        #expect(Transition.between(drift, unknown).map(\.kind) == [.unknown])
        #expect(Transition.between(unknown, Self.report([Self.finding("a", .ok)])).map(\.kind) == [.resolved])
        #expect(Transition.between(drift, Self.report([Self.finding("docker", .unknown, checker: "docker")])).map(\.kind) == [.unknown])
    }

    @Test func theSameResourceOfAnotherCheckerIsAnotherFinding() {
        let before = Self.report([Self.finding("backend", .drift, checker: "docker")])
        let after = Self.report([Self.finding("backend", .drift, checker: "docker"), Self.finding("backend", .drift, checker: "django")])
        #expect(Transition.between(before, after).map(\.finding.checker) == ["django"])
    }

    @Test func eachTargetGetsOnlyTheKindsItAskedFor() {
        let transitions = Transition.between(nil, Self.report([Self.finding("a", .drift), Self.finding("b", .unknown)]))
        let targets = [
            NotifyTarget(name: "all", url: .environment("A")),
            NotifyTarget(name: "drift-only", url: .environment("B"), format: .slack, on: [.drift]),
        ]
        let origin = NotificationMessage.Origin(host: "web-1", source: Self.report([]).source)
        let messages = Notifications.messages(transitions, targets: targets, origin: origin)
        #expect(messages.map(\.target) == ["all", "all", "drift-only"])
        #expect(messages.map(\.kind) == [.drift, .unknown, .drift])
    }

    @Test func theJSONBodyCarriesTheFindingAndTheSlackBodyEscapesMarkup() throws {
        let transition = Transition(kind: .drift, previous: .ok, finding: Self.finding("api", .drift))
        let origin = NotificationMessage.Origin(host: "web-1", source: Self.report([]).source)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(NotificationMessage.json(transition, origin: origin).utf8)) as? [String: Any])
        #expect(json["event"] as? String == "drift")
        #expect(json["previous"] as? String == "ok")
        #expect(json["resource"] as? String == "api")
        #expect(json["observed"] as? String == "status 502")
        #expect((json["source"] as? [String: Any])?["commit"] as? String == ReportTests.origin.commit)
        let slack = try #require(
            try JSONSerialization.jsonObject(with: Data(NotificationMessage.slack(transition, origin: origin).utf8)) as? [String: Any])
        let text = try #require(slack["text"] as? String)
        #expect(text.hasPrefix("*reconcile on web-1: drift* · health `api`\n"))
        #expect(text.contains("answered 502 &lt;b&gt;&amp;"))
        #expect(!text.contains("<b>"))
    }
}
