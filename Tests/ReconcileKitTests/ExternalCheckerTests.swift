import Foundation
import Testing

@testable import ReconcileKit

/// The pure halves of external checkers: what an answer is judged to say (replayed
/// outputs), how a manifest declares plugins, and the JSON Schema subset `validate`
/// applies to a plugin's section.
@Suite struct ExternalCheckerUnitTests {
    static let position = SourcePosition(file: "m.yaml", line: 7, column: 3)

    static func judge(_ stdout: String, status: Int32 = 0, stderr: String = "") -> [Finding] {
        PluginAnswer(plugin: "tls", position: position).findings(
            from: PluginRun(status: status, stdout: Data(stdout.utf8), stderr: Data(stderr.utf8), deadline: .seconds(2)))
    }

    @Test func aWellFormedAnswerBecomesFindingsAtTheSection() throws {
        let findings = Self.judge(
            #"{"findings": [{"resource": "a:443", "status": "drift", "expected": "14 days", "observed": null, "message": "soon", "fix": {"summary": "renew", "snippet": null, "language": null}}, {"resource": "b", "status": "ok", "message": "fine"}]}"#
        )
        #expect(findings.map(\.status) == [.drift, .ok])
        #expect(findings.allSatisfy { $0.checker == "tls" && $0.position == Self.position })
        #expect(findings[0].fix == Fix(summary: "renew") && findings[0].observed == nil && findings[0].severity == .error)
        #expect(findings[1].severity == .info && findings[1].expected == nil)
    }

    @Test(
        "a malformed answer is one unknown finding naming the problem",
        arguments: [
            ("[]", "answered malformed JSON (not a JSON object); it answered: []"),
            (#"{"findings": [], "extra": 1}"#, "answered malformed JSON (unknown key 'extra'); it answered: "),
            (#"{"results": []}"#, "answered malformed JSON (unknown key 'results')"),
            (#"{}"#, "answered malformed JSON (no findings list)"),
            (#"{"findings": {}}"#, "answered malformed JSON (no findings list)"),
            ("", "answered malformed JSON (not JSON); it answered: nothing"),
        ])
    func malformedAnswers(_ stdout: String, _ message: String) {
        let findings = Self.judge(stdout)
        #expect(findings.count == 1)
        #expect(findings.first?.status == .unknown)
        #expect(findings.first?.message.hasPrefix("the external checker tls " + message) == true, "\(findings)")
    }

    @Test(
        "a malformed finding is unknown on its own; the others stand",
        arguments: [
            (#"{"resource": "x", "status": true, "message": "m"}"#, "x", "status must be a string"),
            (#"{"resource": "", "status": "ok", "message": "m"}"#, "findings[1]", "resource must be a non-empty string"),
            (#"{"resource": "x", "status": "ok"}"#, "x", "message must be a string"),
            (#"{"resource": "x", "status": "ok", "message": "m", "severity": "low"}"#, "x", "unknown key 'severity'"),
            (#"{"resource": "x", "status": "ok", "message": "m", "expected": 3}"#, "x", "expected must be a string or null"),
            (#"{"resource": "x", "status": "ok", "message": "m", "fix": "do it"}"#, "x", "fix must be an object or null"),
            (#"{"resource": "x", "status": "ok", "message": "m", "fix": {"snippet": "a"}}"#, "x", "fix.summary must be a string"),
            ("7", "findings[1]", "not a JSON object"),
        ])
    func malformedFindings(_ finding: String, _ resource: String, _ problem: String) {
        let findings = Self.judge(#"{"findings": [{"resource": "good", "status": "ok", "message": "m"}, "# + finding + "]}")
        #expect(findings.map(\.status) == [.ok, .unknown])
        #expect(findings[1].resource == resource)
        #expect(findings[1].message.hasPrefix("the plugin's findings[1] is malformed: \(problem)"), "\(findings[1].message)")
    }

    @Test func aFailedRunIsUnknownWhateverItPrinted() {
        let answer = #"{"findings": [{"resource": "b", "status": "ok", "message": "fine"}]}"#
        let position = Self.position
        let runs: [(PluginRun, String)] = [
            (PluginRun(status: 1, stdout: Data(answer.utf8), stderr: Data("bad\n".utf8)), "exited with status 1; stderr: bad"),
            (
                PluginRun(status: 137, signal: 9, stdout: Data(answer.utf8), timedOut: true, deadline: .milliseconds(1500)),
                "did not answer within its deadline of 1.5s and was killed"
            ),
            (PluginRun(status: 0, stdout: Data(repeating: 32, count: ExternalCheck.outputLimit + 1)), "wrote more than 1048576 bytes"),
            (PluginRun(status: -1, notStarted: "was not run: refused"), "was not run: refused"),
        ]
        for (run, message) in runs {
            let findings = PluginAnswer(plugin: "tls", position: position).findings(from: run)
            #expect(findings.map(\.status) == [.unknown])
            #expect(findings.first?.message.hasPrefix("the external checker tls " + message) == true, "\(findings)")
        }
    }

    @Test func theDeadlineHandedOnLeavesReconcileTimeToKillAndSaySo() {
        #expect(ExternalCheck.deadline(until: nil) == .seconds(60))
        // One fixed instant: a pause between two readings of the clock changes nothing.
        let now = ContinuousClock.now
        #expect(ExternalCheck.deadline(until: now + .seconds(60), now: now) == .seconds(59))
        #expect(ExternalCheck.deadline(until: now + .seconds(2), now: now) == .milliseconds(1500))
    }

    // MARK: declarations

    static func decode(_ yaml: String, directory: PluginDirectory = .none) throws(ManifestErrors) -> Manifest {
        try ManifestDecoder(registry: CheckerRegistry(checkers: []), pluginDirectory: directory)
            .decode("apiVersion: reconcile/v1\nkind: Environment\n" + yaml, file: "m.yaml", variableOverrides: [:])
    }

    static func errors(_ yaml: String) -> [String] {
        do {
            _ = try decode(yaml)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test func aDeclaredPluginPlansItsSectionWithVariablesSubstituted() throws {
        let manifest = try Self.decode(
            "vars: {d: example.com}\nplugins:\n  - {name: tls, command: [checks/tls.py]}\ntls:\n  urls: [\"https://${d}/\"]\n")
        let spec = try #require(manifest.checks.first?.spec as? ExternalSpec)
        #expect(manifest.checks.map(\.checker) == ["tls"])
        #expect(spec.plugin.section == "tls" && spec.plugin.origin == .manifest)
        #expect(spec.variables == ["d": "example.com"])
        guard case .map(let entries) = spec.spec.value, case .list(let urls) = entries.first?.value.value else {
            Issue.record("not a mapping of a list: \(spec.spec)")
            return
        }
        #expect(urls.first?.value == .string("https://example.com/"))
        #expect(urls.first?.position == SourcePosition(file: "m.yaml", line: 7, column: 10))
        #expect(manifest.checks.first?.trustFields.map(\.keyPath) == ["plugins[0].command"])
    }

    @Test(
        "declarations that cannot work are errors at their line",
        arguments: [
            (
                "plugins:\n  - {name: tls, command: [a.py]}\n",
                "m.yaml:4:26: plugins[0].command: the external checker tls reads the top-level section tls:, which this manifest does not have"
            ),
            ("plugins:\n  - {name: tls, command: []}\ntls: {}\n", "m.yaml:4:26: plugins[0].command: must name a program"),
            (
                "plugins:\n  - {name: tls, command: [../x.py]}\ntls: {}\n",
                "m.yaml:4:26: plugins[0].command: '../x.py' leaves the repository ('..'); name a file inside it"
            ),
            ("plugins:\n  - {name: TLS, command: [x]}\n", "m.yaml:4:12: plugins[0].name: 'TLS' is not a checker name (a-z, 0-9, - and _)"),
            (
                "plugins:\n  - {name: a, command: [x], section: vars}\na: {}\n",
                "m.yaml:4:38: plugins[0].section: the top-level key 'vars' is already taken; give the plugin another section:"
            ),
            (
                "plugins:\n  - {name: a, command: [x]}\n  - {name: a, command: [y], section: b}\na: 1\nb: 2\n",
                "m.yaml:5:12: plugins[1].name: a checker named 'a' already exists"
            ),
            (
                "plugins:\n  - {name: a, comand: [x]}\n",
                "m.yaml:4:15: plugins[0].comand: unknown key 'comand'; did you mean 'command'? (allowed: name, command, section)"
            ),
            ("tls: {}\n", "m.yaml:3:1: tls: unknown key 'tls'"),
        ])
    func badDeclarations(_ yaml: String, _ error: String) {
        let errors = Self.errors(yaml)
        #expect(errors.contains { $0.hasPrefix(error) }, "\(errors)")
    }

    // MARK: the schema subset

    static func schemaErrors(_ schema: String, _ yaml: String) throws -> [String] {
        let manifest = try decode("plugins:\n  - {name: p, command: [x]}\np:\n" + yaml)
        let spec = try #require(manifest.checks.first?.spec as? ExternalSpec)
        let parsed = try JSONSerialization.jsonObject(with: Data(schema.utf8), options: .fragmentsAllowed)
        return SectionSchema(schema: parsed, plugin: "p").errors(in: spec.spec).map(\.description)
    }

    @Test(
        "the schema's keywords are applied, each error at its value",
        arguments: [
            (#"{"type": "object", "required": ["a"]}"#, "  b: 1\n", ["m.yaml:6:3: p: missing required key 'a' (p's --schema)"]),
            (
                #"{"properties": {"a": {"type": ["string", "null"]}}}"#, "  a: 1\n",
                ["m.yaml:6:6: p.a: expected string or null, found number 1 (p's --schema)"]
            ),
            (
                #"{"properties": {"a": {"type": "integer", "exclusiveMinimum": 0}}}"#, "  a: 0\n",
                ["m.yaml:6:6: p.a: number 0 must be more than 0 (p's --schema)"]
            ),
            (
                #"{"properties": {"a": {"minLength": 3, "pattern": "^x"}}}"#, "  a: ab\n",
                [
                    "m.yaml:6:6: p.a: must have at least 3 characters (p's --schema)",
                    "m.yaml:6:6: p.a: string 'ab' does not match ^x (p's --schema)",
                ]
            ),
            (
                #"{"properties": {"a": {"items": {"enum": [1, "two", true, null]}, "maxItems": 4, "uniqueItems": true}}}"#,
                "  a: [1, two, true, ~]\n", []
            ),
            (
                #"{"properties": {"a": {"items": {"const": 1}, "minItems": 2}}}"#, "  a: [2]\n",
                [
                    "m.yaml:6:6: p.a: must have at least 2 items (p's --schema)",
                    "m.yaml:6:7: p.a[0]: must be 1, found number 2 (p's --schema)",
                ]
            ),
            (
                #"{"additionalProperties": {"type": "boolean"}}"#, "  a: yes\n",
                ["m.yaml:6:6: p.a: expected boolean, found string 'yes' (p's --schema)"]
            ),
            (
                #"{"properties": {"a": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}}"#, "  a: [1]\n",
                [
                    "m.yaml:6:6: p.a: matches none of the schema's anyOf alternatives: expected string, found a list; expected integer, found a list (p's --schema)"
                ]
            ),
            (
                #"{"properties": {"a": {"oneOf": [{"type": "number"}, {"type": "integer"}]}}}"#, "  a: 1\n",
                ["m.yaml:6:6: p.a: matches 2 of the schema's oneOf alternatives, not exactly one (p's --schema)"]
            ),
            (
                #"{"properties": {"a": {"not": {"const": "x"}, "allOf": [{"maxLength": 0}]}}}"#, "  a: x\n",
                [
                    "m.yaml:6:6: p.a: must have at most 0 characters (p's --schema)",
                    "m.yaml:6:6: p.a: matches what the schema's not forbids (p's --schema)",
                ]
            ),
            (
                ##"{"$ref": "#/$defs/x"}"##, "  a: 1\n",
                ["m.yaml:6:3: p: the schema uses '$ref', which reconcile validate does not support (p's --schema)"]
            ),
            ("false", "  a: 1\n", ["m.yaml:6:3: p: no value is allowed here (p's --schema)"]),
            (#"{"title": "t", "description": "d", "properties": {"a": {"default": 2, "format": "uri"}}}"#, "  a: 1\n", []),
        ])
    func schemaKeywords(_ schema: String, _ yaml: String, _ expected: [String]) throws {
        #expect(try Self.schemaErrors(schema, yaml) == expected)
    }
}
