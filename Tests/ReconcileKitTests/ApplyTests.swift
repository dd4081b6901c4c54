import Foundation
import ReconcileTestSupport
import TestSupport
import Testing

@testable import ReconcileKit

/// `gate:` lists items that must be "up"; its fixer plans a `docker.start` for each one
/// that is not, except those named `code-*`, which are manual.
struct GateSection: ManifestSection {
    static let key = "gate"
    static let summary = "Items that must be up."
    static let shape = ManifestShape.list(.string(.nonEmpty))
    let items: [String]
    init(from node: ManifestNode) throws { items = try node.stringList() }
}

struct GateChecker: Fixer {
    static let identifier = "gate"
    static let observes = "its items"
    static let reports = "items that are not up"
    func observe(_ spec: GateSection, in context: ObservationContext) async throws -> [String: Bool] {
        Dictionary(uniqueKeysWithValues: spec.items.map { ($0, $0.hasSuffix("-up")) })
    }
    func compare(_ spec: GateSection, with observation: [String: Bool]) -> [Finding] {
        spec.items.map { item in
            Finding(
                checker: "gate", resource: item, status: observation[item] == true ? .ok : .drift, expected: "up",
                message: "checked")
        }
    }
    func plan(_ spec: GateSection, observation: [String: Bool], findings: [Finding]) -> [Int: Remedy] {
        var remedies: [Int: Remedy] = [:]
        for (index, finding) in findings.enumerated() where finding.status == .drift {
            remedies[index] =
                finding.resource.hasPrefix("code-")
                ? .manual("it is code")
                : .action(
                    Action(
                        checker: "gate", resource: finding.resource, summary: "start \(finding.resource)",
                        permission: finding.resource.hasPrefix("route") ? "caddy" : "docker.start"))
        }
        return remedies
    }
    func apply(_ action: Action, spec: GateSection, in context: ApplyContext) async throws {}
    func undo(_ applied: Void, spec: GateSection, in context: ApplyContext) async throws {}
}

/// A checker without a fixer: its drift is manual with its reason.
struct SettingsChecker: Checker {
    static let identifier = "settings"
    static let observes = "nothing"
    static let reports = "DEBUG, always drifting"
    static let manualReason = "settings are code"
    func observe(_ spec: SettingsSection, in context: ObservationContext) async throws {}
    func compare(_ spec: SettingsSection, with observation: Void) -> [Finding] {
        [Finding(checker: "settings", resource: "DEBUG", status: .drift, message: "on")]
    }
}

struct SettingsSection: ManifestSection {
    static let key = "settings"
    static let summary = "Settings in code."
    static let shape = ManifestShape.object(ManifestObject([]))
    init(from node: ManifestNode) throws {}
}

@Suite struct ApplyTests {
    static let registry = CheckerRegistry(checkers: [GateChecker.self, SettingsChecker.self])

    static func manifest(_ body: String) throws -> Manifest {
        try ManifestDecoder(registry: registry).decode("apiVersion: reconcile/v1\nkind: Environment\n" + body, file: "m.yaml")
    }

    static func plan(_ body: String) async throws -> Plan {
        let manifest = try manifest(body)
        let outcomes = await Reconciler().outcomes(manifest.checks, context: dryRunContext())
        return Plan(outcomes, policies: manifest.apply.map { ["m.yaml": $0] } ?? [:])
    }

    @Test func everyDriftFindingSaysWhatApplyWouldDoOrWhyNot() async throws {
        let plan = try await Self.plan(
            """
            gate: [web-up, web, route, code-x]
            settings: {}
            apply: { docker: [start] }
            """)
        #expect(
            plan.findings.map { $0.plan ?? "-" } == [
                "-", "would: start web", "manual: start route is not allowed: apply.caddy is not true",
                "manual: it is code", "manual: settings are code",
            ])
        #expect(plan.outcomes.map { "\($0.status.rawValue) \($0.action)" } == ["planned start web", "skipped start route"])
        #expect(plan.allowed.map(\.action.summary) == ["start web"])
    }

    @Test func withoutAPolicyEveryActionIsSkippedAndSaysSo() async throws {
        let plan = try await Self.plan("gate: [web]\n")
        #expect(plan.findings[0].plan == "manual: start web is not allowed: the manifest has no apply: section (report only)")
        #expect(plan.allowed.isEmpty)
    }

    @Test func backendsAreRepairedBeforeTheProxyInFrontOfThem() async throws {
        let plan = try await Self.plan("gate: [route-a, web]\napply: { caddy: true, docker: [start] }\n")
        #expect(plan.allowed.map(\.action.summary) == ["start web", "start route-a"])
    }

    @Test func theFirstAllowedAlternativeIsPlannedWithTheAllowedOnesAfterIt() {
        let recreate = Action(checker: "docker", resource: "web", summary: "recreate web", permission: "docker.recreate")
        let update = Action(
            checker: "docker", resource: "web", summary: "update web", permission: "docker.restart_policy",
            alternatives: [recreate])
        func planned(_ docker: Set<ApplyPolicy.DockerAction>) -> String {
            let (action, refusal) = Plan.choose(update, ApplyPolicy(docker: docker))
            return ([action.summary] + action.alternatives.map(\.summary)).joined(separator: " / ") + (refusal.map { ": \($0)" } ?? "")
        }
        #expect(planned([.restartPolicy, .recreate]) == "update web / recreate web")
        #expect(planned([.restartPolicy]) == "update web")
        #expect(planned([.recreate]) == "recreate web")
        #expect(planned([.start]) == "update web: apply.docker does not list restart_policy")
        #expect(Plan.choose(update, nil).refusal == "the manifest has no apply: section (report only)")
    }

    /// An apply acts only while the run's `--deadline` leaves time for the action, its
    /// verification and the quarter of the budget kept for undo: past that, nothing starts.
    @Test func anApplyWhoseDeadlineLeavesNoTimeToActChangesNothing() async throws {
        let manifest = try Self.manifest("gate: [web]\napply: { docker: [start], verify: [] }\n")
        let runner = ApplyRunner(
            reconciler: Reconciler(), policies: ["m.yaml": try #require(manifest.apply)], journal: nil, commit: nil,
            deadline: RunDeadline(.seconds(8), from: .now - .seconds(7)))
        let result = await runner.run(
            manifest.checks, observing: ObservationContext(mode: .apply, source: StubSource()),
            applying: ApplyContext(source: StubSource()))
        #expect(result.failed)
        #expect(result.actions.map(\.status) == [.skipped])
        #expect(
            result.cause == "the run's --deadline of 8s left no time for start web and its verification (2s is kept for undo)")
        #expect(result.findings.map(\.status) == [.drift], "the first observation is reported")
    }

    /// A `verify` checker's resource that drifted before the apply and cannot be observed
    /// after it proves nothing: the verification fails (only ok → unknown did before).
    @Test func aVerifyResourceThatWasDriftAndIsUnknownAfterFailsTheVerification() throws {
        let manifest = try Self.manifest("gate: [web]\napply: { docker: [start], verify: [gate] }\n")
        let runner = ApplyRunner(reconciler: Reconciler(), policies: ["m.yaml": try #require(manifest.apply)], journal: nil, commit: nil)
        func outcome(_ status: Status, _ message: String) -> CheckOutcome {
            CheckOutcome(
                check: manifest.checks[0], findings: [Finding(checker: "gate", resource: "web", status: status, message: message)],
                observation: nil)
        }
        #expect(
            runner.verificationProblem(before: [outcome(.drift, "down")], after: [outcome(.unknown, "did not finish")], applied: [])
                == "verification failed: gate web was drift before and is unknown after the apply: did not finish")
        #expect(runner.verificationProblem(before: [outcome(.drift, "down")], after: [outcome(.drift, "down")], applied: []) == nil)
    }

    @Test func theApplySectionIsDecodedWithDefaults() throws {
        let policy = try #require(try Self.manifest("apply: { caddy: true }\n").apply)
        #expect(policy.caddy && policy.docker.isEmpty && policy.verify == ["health"] && policy.rollback)
        let full = try #require(
            try Self.manifest("apply: { docker: [start, recreate], verify: [gate], rollback: false }\n").apply)
        #expect(full.docker == [.start, .recreate] && full.verify == ["gate"] && !full.rollback)
        #expect(full.refusal(of: "docker.volumes") == "apply.docker does not list volumes")
        #expect(full.refusal(of: "docker.start") == nil)
    }

    @Test(arguments: [
        ("apply: { docker: [begin] }\n", "3:19: apply.docker[0]: 'begin' is not one of start, restart_policy, volumes, recreate"),
        ("apply: { verify: [gat] }\n", "3:19: apply.verify[0]: unknown checker 'gat'; did you mean 'gate'? (known: gate, settings)"),
        (
            "apply: { cady: true }\n",
            "3:10: apply.cady: unknown key 'cady'; did you mean 'caddy'? (allowed: caddy, docker, verify, rollback)"
        ),
        ("apply: { docker: [start, start] }\n", "3:26: apply.docker[1]: 'start' is listed twice"),
    ])
    func aBadApplySectionNamesLineColumnAndKey(text: String, expected: String) throws {
        do {
            _ = try Self.manifest(text)
            Issue.record("decoded")
        } catch let failure as ManifestErrors {
            let lines = failure.errors.map { "\($0.position.line):\($0.position.column): \($0.keyPath): \($0.message)" }
            #expect(lines.first?.hasPrefix(expected) == true, "\(lines)")
        }
    }

    @Test func theStateDirectoryFollowsXDGAndRoot() {
        #expect(StateDirectory.standard(environment: ["XDG_STATE_HOME": "/s"], isRoot: true).journal == "/s/reconcile/journal.jsonl")
        #expect(StateDirectory.standard(environment: [:], isRoot: true).path == "/var/lib/reconcile")
        #expect(StateDirectory.standard(environment: ["HOME": "/home/u"], isRoot: false).path == "/home/u/.local/state/reconcile")
        #expect(StateDirectory.standard(environment: [:], isRoot: true).applyLock == "/var/lib/reconcile/apply.lock")
    }

    @Test func theJournalAppendsOneCompleteLinePerAction() throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-journal")
        let journal = try Journal(path: directory.file("state/journal.jsonl"))
        let action = Action(
            checker: "caddy", resource: "/media/*", summary: "PATCH x", before: "a", after: "b",
            permission: "caddy", payload: #"{"secret":"never"}"#)
        try journal.record(action, result: .applied, detail: nil, commit: "abc")
        try journal.record(action, result: .rolledBack, detail: "verification failed", commit: "abc")
        let text = try String(contentsOfFile: journal.path, encoding: .utf8)
        let lines = text.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.map { $0["result"] as? String } == ["applied", "rolled_back"])
        #expect(Set(lines[0].keys) == ["time", "commit", "checker", "resource", "action", "before", "after", "result", "detail"])
        #expect(!text.contains("never"), "payloads are not journaled")
    }

    @Test func noSecretTheRunReadReachesTheJournal() throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-journal")
        let secrets = SecretRegistry()
        secrets.register("s3cr3t-token-value")
        let journal = try Journal(path: directory.file("journal.jsonl")).masking(with: secrets)
        let action = Action(
            checker: "caddy", resource: "/api/*", summary: "PATCH upstream https://user:pw@up.example/",
            before: "Bearer s3cr3t-token-value", after: "ok", permission: "caddy")
        try journal.record(action, result: .failed, detail: "echoed s3cr3t-token-value", commit: nil)
        let text = try String(contentsOfFile: journal.path, encoding: .utf8)
        #expect(!text.contains("s3cr3t-token-value") && !text.contains("user:pw"), "\(text)")
        #expect(text.contains("***"))
    }

    @Test func theLockIsExclusiveAndNamesItsHolder() async throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-lock")
        let path = directory.file("apply.lock")
        let held = try await ApplyLock.acquire(path)
        // flock locks belong to open file descriptions: a second open in this process
        // conflicts like another process would.
        await #expect(throws: ApplyLockBusy.self) { _ = try await ApplyLock.acquire(path) }
        do {
            _ = try await ApplyLock.acquire(path, wait: .milliseconds(200))
        } catch let busy as ApplyLockBusy {
            #expect(busy.description == "another reconcile is applying (pid \(getpid()))")
        }
        withExtendedLifetime(held) {}
    }

    /// reconcile runs as root: an apply lock or journal that is a symbolic link (planted in
    /// a shared directory `--journal` names) is refused, never followed. The lock used to
    /// truncate the file it pointed to and write a pid there. Found by exploratory review.
    @Test func aSymbolicLinkAsTheLockOrTheJournalIsNeverFollowed() async throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-links")
        let victim = directory.file("victim")
        try "precious\n".write(toFile: victim, atomically: true, encoding: .utf8)
        for name in ["apply.lock", "journal.jsonl"] {
            try FileManager.default.createSymbolicLink(atPath: directory.file(name), withDestinationPath: victim)
        }
        await #expect(throws: StateError.self) { _ = try await ApplyLock.acquire(directory.file("apply.lock")) }
        #expect(throws: StateError.self) { _ = try Journal(path: directory.file("journal.jsonl")) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
    }

    @Test func theTextReportShowsEachPlanAndTheActions() async throws {
        let plan = try await Self.plan("gate: [web-up, web, code-x]\napply: { docker: [start] }\n")
        let report = Report(
            origin: StubSource().origin, manifest: "manifests/m.yaml", mode: .dryRun, findings: plan.findings,
            actions: plan.outcomes)
        assertSnapshot(TextReportRenderer().render(report), named: "text-plan.txt")
    }
}
