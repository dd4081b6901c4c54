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

    // MARK: Run-level changes: a stale source, apply's results

    static func report(stale: Bool, actions: [ActionOutcome] = []) -> Report {
        let origin = SourceOrigin(
            repo: "https://git.example.com/ops/config.git", ref: "origin/main", commit: ReportTests.origin.commit, worktree: false,
            stale: stale, lastFetched: Date(timeIntervalSince1970: 1_800_000_000))
        return Report(origin: origin, manifest: "manifests/prod.yaml", mode: .apply, findings: [Self.finding("api", .ok)], actions: actions)
    }

    static func outcome(_ resource: String, _ status: ActionStatus, detail: String? = nil) -> ActionOutcome {
        ActionOutcome(
            Action(checker: "caddy", resource: resource, summary: "PATCH caddy route \(resource) root → /srv/media", permission: "caddy"),
            status: status, detail: detail)
    }

    @Test func aStaleSourceIsToldWhenARunGoesStaleAndNotWhileItStaysSo() {
        let runs = [Self.report(stale: false), Self.report(stale: true), Self.report(stale: true), Self.report(stale: false)]
        let kinds = zip([nil] + runs.dropLast(), runs).map { RunChange.between($0, $1).map(\.kind) }
        #expect(kinds == [[], [.stale], [], []])
        #expect(RunChange.between(nil, Self.report(stale: true)).map(\.kind) == [.stale])
    }

    @Test func applyIsOneChangeWithTheExecutedActionsAndAPlanOrSkipsAreNone() {
        let executed = [Self.outcome("/media/*", .applied), Self.outcome("/api/*", .rolledBack, detail: "verify failed")]
        let report = Self.report(stale: false, actions: executed + [Self.outcome("/x/*", .skipped)])
        #expect(RunChange.between(report, report) == [.applied(executed)], "apply results are told every time apply acts")
        #expect(RunChange.between(nil, Self.report(stale: false, actions: [Self.outcome("/a/*", .planned)])) == [])
        #expect(RunChange.between(nil, Self.report(stale: false, actions: [Self.outcome("/a/*", .skipped)])) == [])
        #expect(
            RunChange.outcome(executed + [Self.outcome("/b/*", .applied), Self.outcome("/c/*", .failed)])
                == "2 applied, 1 failed, 1 rolled back")
    }

    @Test func theApplyMessageListsEachActionAndHowItEnded() throws {
        let actions = [Self.outcome("/media/*", .applied), Self.outcome("/api/*", .failed, detail: "Caddy answered 400 <b>")]
        let origin = NotificationMessage.Origin(host: "web-1", source: Self.report(stale: false).source)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(NotificationMessage.json(.applied(actions), origin: origin).utf8)) as? [String: Any]
        )
        #expect(json["event"] as? String == "apply")
        #expect(json["summary"] as? String == "1 applied, 1 failed")
        let listed = try #require(json["actions"] as? [[String: Any]])
        #expect(listed.map { $0["status"] as? String } == ["applied", "failed"])
        #expect(listed.first?["action"] as? String == "PATCH caddy route /media/* root → /srv/media")
        #expect(listed.first?["detail"] is NSNull)
        #expect(listed.last?["detail"] as? String == "Caddy answered 400 <b>")
        let slack = try #require(
            try JSONSerialization.jsonObject(with: Data(NotificationMessage.slack(.applied(actions), origin: origin).utf8))
                as? [String: Any])
        let text = try #require(slack["text"] as? String)
        #expect(text.hasPrefix("*reconcile on web-1: applied* · 1 applied, 1 failed\n• applied: caddy `/media/*` PATCH caddy route"))
        #expect(text.contains("• failed: caddy `/api/*` PATCH caddy route /api/* root → /srv/media (Caddy answered 400 &lt;b&gt;)"))
    }

    @Test func theStaleMessageNamesTheCachedCommitAndWhenItWasFetched() throws {
        let source = Self.report(stale: true).source
        let origin = NotificationMessage.Origin(host: "web-1", source: source)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(NotificationMessage.json(.stale(source), origin: origin).utf8)) as? [String: Any])
        #expect(json["event"] as? String == "stale")
        #expect((json["source"] as? [String: Any])?["stale"] as? Bool == true)
        #expect((json["source"] as? [String: Any])?["last_fetched"] as? String == "2027-01-15T08:00:00Z")
        #expect(
            json["message"] as? String
                == "https://git.example.com/ops/config.git could not be fetched: checked cached commit 9f3c2a7b1d4e, "
                + "last fetched 2027-01-15T08:00:00Z; the desired state may be out of date")
    }

    @Test func aStaleSourceComesFirstAndApplyLastAndTargetsFilterThemByKind() {
        let report = Self.report(stale: true, actions: [Self.outcome("/media/*", .applied)])
        let transitions = [Transition(kind: .drift, previous: .ok, finding: Self.finding("api", .drift))]
        let targets = [
            NotifyTarget(name: "all", url: .environment("A")),
            NotifyTarget(name: "apply-only", url: .environment("B"), format: .slack, on: [.apply]),
        ]
        let origin = NotificationMessage.Origin(host: "web-1", source: report.source)
        let messages = Notifications.messages(transitions, changes: RunChange.between(nil, report), targets: targets, origin: origin)
        #expect(messages.map(\.target) == ["all", "all", "all", "apply-only"])
        #expect(messages.map(\.kind) == [.stale, .drift, .apply, .apply])
        #expect(
            messages.map(\.subject) == [
                "source https://git.example.com/ops/config.git", "health api", "apply of 1 action", "apply of 1 action",
            ])
    }
}
