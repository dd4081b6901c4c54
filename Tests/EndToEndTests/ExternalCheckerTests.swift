import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// External checkers through the built binary: a real program (Tests/Fixtures/plugins'
/// `reconcile-check-fixture`, Python) answers the plugin protocol well or badly as its
/// spec asks, and every answer that is not a good one is `unknown`, never `ok`.
@Suite struct ExternalCheckerTests {
    static let plugins = TestPaths.fixture("plugins")
    static let fixture = plugins + "/reconcile-check-fixture"

    /// A config repository whose manifest declares the fixture (committed at
    /// checks/fixture.py) as the plugin `fixture`, with `section` as its spec.
    static func repository(_ section: String, command: String = "[python3, checks/fixture.py]", more: String = "")
        async throws -> ScratchRepository
    {
        let script = try String(contentsOfFile: fixture, encoding: .utf8)
        let manifest = """
            apiVersion: reconcile/v1
            kind: Environment
            name: plugins
            vars:
              record: /dev/null
            plugins:
              - name: fixture
                command: \(command)
            fixture:
            \(section)
            \(more)
            """
        return try await offPool { try ScratchRepository(files: ["checks/fixture.py": script, "manifests/m.yaml": manifest]) }
    }

    /// An operator config that lets the manifest's `fixture` run.
    static func config() throws -> OperatorConfig { try OperatorConfig("plugins: [fixture]\n") }

    /// A dry run of `repo` under an operator config that lets `fixture` run, or under none
    /// unless `allowing`.
    static func run(_ repo: ScratchRepository, _ flags: [String] = [], allowing: Bool = true) async throws -> CommandResult {
        let config = allowing ? try Self.config() : nil
        return try await reconcile(["--dry-run", "--repo", repo.path] + (config.map { ["--config", $0.path] } ?? []) + flags)
    }

    /// The errors of `file` against docs/plugin-protocol.schema.json's `definition`
    /// (`request` or `answer`), by Python's jsonschema.
    static func protocolErrors(_ file: String, _ definition: String) async throws -> [String] {
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            part = {"$ref": "#/$defs/" + sys.argv[2], "$defs": schema["$defs"]}
            for error in jsonschema.Draft202012Validator(part).iter_errors(json.load(open(sys.argv[3]))):
                print(error.message)
            """
        let schema = TestPaths.repositoryRoot + "/docs/plugin-protocol.schema.json"
        let result = try await offPool { try TestSupport.run(TestPaths.python, ["-c", script, schema, definition, file]) }
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    static func findings(_ result: CommandResult) throws -> [[String: Any]] {
        try #require(try result.json()["findings"] as? [[String: Any]], "\(result.allOutput)")
    }

    @Test func aPluginsAnswerIsReportedAndItsRequestFollowsTheProtocolSchema() async throws {
        let repo = try await Self.repository("  behaviour: ok\n  count: 2\n  record: ${record}")
        let scratch = try TemporaryDirectory(prefix: "reconcile-plugin-record")
        let record = scratch.file("request.json")
        let result = try await Self.run(repo, ["--format", "json", "--var", "record=\(record)", "--timeout", "20"])
        #expect(result.status == 0, "\(result.allOutput)")
        let findings = try Self.findings(result)
        #expect(findings.map { $0["resource"] as? String } == ["thing-0", "thing-1"])
        #expect(findings.allSatisfy { $0["checker"] as? String == "fixture" && $0["status"] as? String == "ok" })
        let position = try #require(findings.first?["position"] as? [String: Any])
        #expect(position["file"] as? String == "manifests/m.yaml")
        #expect(position["line"] as? Int == 10)

        #expect(try await Self.protocolErrors(record, "request") == [])
        let request = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: record))) as? [String: Any])
        #expect(request["protocol"] as? Int == 1)
        #expect(request["checker"] as? String == "fixture")
        #expect(request["mode"] as? String == "dry-run")
        #expect(request["vars"] as? [String: String] == ["record": record])
        let spec = try #require(request["spec"] as? [String: Any])
        #expect(spec["count"] as? Int == 2 && spec["record"] as? String == record)
        let deadline = try #require(request["deadline_ms"] as? Int)
        #expect(deadline > 0 && deadline < 20_000)
        #expect(request["manifest"] as? [String: Int] == nil)
        let manifest = try #require(request["manifest"] as? [String: Any])
        #expect(manifest["file"] as? String == "manifests/m.yaml" && manifest["line"] as? Int == 10)
    }

    @Test func aDriftingFindingCarriesItsFixAndExitsTwo() async throws {
        let repo = try await Self.repository("  behaviour: drift")
        let result = try await Self.run(repo, ["--format", "json"])
        #expect(result.status == 2, "\(result.allOutput)")
        let finding = try #require(try Self.findings(result).first)
        #expect(finding["status"] as? String == "drift" && finding["expected"] as? String == "1")
        let fix = try #require(finding["fix"] as? [String: Any])
        #expect(fix["snippet"] as? String == "thing set 1" && fix["language"] as? String == "shell")
        #expect(finding["plan"] as? String == "manual: an external checker only reports; apply its fix by hand")
    }

    @Test(
        "every way a plugin can fail is unknown, saying what went wrong, never ok",
        arguments: [
            ("exit", "the external checker fixture exited with status 3; stderr: boom: the database is on fire"),
            ("stderr", "the external checker fixture wrote to stderr: deprecated option"),
            ("big", "the external checker fixture wrote more than 1048576 bytes; its answer was not read"),
            ("malformed", "the external checker fixture answered malformed JSON (not JSON); it answered: this is not json {"),
            ("badstatus", "the plugin's findings[1] is malformed: status 'fine' is not one of ok, unknown, drift"),
            ("empty", "the external checker fixture answered no findings: nothing was checked"),
            ("signal", "the external checker fixture was killed by signal 9"),
        ])
    func everyFailureIsUnknown(_ behaviour: String, _ message: String) async throws {
        let repo = try await Self.repository("  behaviour: \(behaviour)")
        let result = try await Self.run(repo, ["--format", "json"])
        #expect(result.status == 3, "\(result.allOutput)")
        let findings = try Self.findings(result)
        let unknown = findings.filter { $0["status"] as? String == "unknown" }
        #expect(unknown.count == 1, "\(findings)")
        #expect(unknown.first?["message"] as? String == message)
        // Only the well-formed finding of an otherwise good answer stays ok.
        let ok = findings.filter { $0["status"] as? String == "ok" }.map { $0["resource"] as? String }
        #expect(ok == (["stderr", "badstatus"].contains(behaviour) ? ["thing"] : []))
    }

    @Test func aPluginPastItsDeadlineIsKilledWithWhatItStarted() async throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-plugin-record")
        let record = scratch.file("request.json")
        let repo = try await Self.repository("  behaviour: hang\n  record: ${record}")
        let result = try await Self.run(repo, ["--format", "json", "--timeout", "6", "--var", "record=\(record)"])
        #expect(result.status == 3, "\(result.allOutput)")
        let finding = try #require(try Self.findings(result).first)
        #expect(finding["status"] as? String == "unknown")
        let message = try #require(finding["message"] as? String)
        // The plugin is told 4.5 s (6 s less a quarter) and killed then, before the run's own cut.
        #expect(message.hasPrefix("the external checker fixture did not answer within its deadline of "), "\(message)")
        #expect(message.contains("and was killed"), "\(message)")
        let child = try #require(Int32(try String(contentsOfFile: record + ".child", encoding: .utf8)))
        try await offPool {
            try waitUntil(timeout: .seconds(20), "the plugin's child \(child) to be gone") {
                let stat = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
                return stat.isEmpty || stat.split(separator: " ").dropFirst(2).first == "Z"
            }
        }
    }

    @Test func textFromAPluginIsEscapedCappedAndMaskedLikeAnyServicesText() async throws {
        let repo = try await Self.repository("  behaviour: hostile")
        let text = try await Self.run(repo)
        #expect(text.status == 2, "\(text.allOutput)")
        #expect(!text.stdout.contains("\u{1B}") && !text.stdout.contains("\u{7}") && !text.stdout.contains("\u{202E}"))
        #expect(text.stdout.contains("evil\\x1B]0;owned\\x07"), "\(text.stdout)")
        #expect(!text.stdout.contains("hunter2secret") && text.stdout.contains("postgres://***@db.example/app"))
        #expect(!text.stdout.contains(String(repeating: "x", count: 1000)))
        let json = try await Self.run(repo, ["--format", "json"])
        #expect(!json.stdout.contains("hunter2secret") && !json.stdout.contains("\u{202E}"))
    }

    @Test func onlyRunsThePluginOrLeavesItOut() async throws {
        let blocked = try ReservedPort()
        let repo = try await Self.repository(
            "  behaviour: ok",
            more: "health:\n  - name: api\n    url: http://127.0.0.1:\(blocked.port)/\n    expect: { status: 200 }")
        let plugin = try await Self.run(repo, ["--format", "json", "--only", "fixture"])
        #expect(plugin.status == 0, "\(plugin.allOutput)")
        #expect(try Self.findings(plugin).map { $0["checker"] as? String } == ["fixture"])
        let health = try await Self.run(repo, ["--format", "json", "--only", "health"])
        #expect(health.status != 0, "\(health.allOutput)")
        #expect(try Self.findings(health).map { $0["checker"] as? String } == ["health"])
        let typo = try await Self.run(repo, ["--only", "fixtur"])
        #expect(typo.status == 1)
        #expect(typo.stderr.contains("unknown checker 'fixtur' (did you mean fixture?)"), "\(typo.stderr)")
        #expect(typo.stdout == "")
    }

    @Test(
        "a plugin's findings reach every report format",
        arguments: [
            ("text", "fixture"), ("github", "fixture"), ("sarif", "fixture-drift"), ("junit", "fixture"),
            ("prometheus", "checker=\"fixture\""),
        ])
    func everyFormat(_ format: String, _ marker: String) async throws {
        let repo = try await Self.repository("  behaviour: drift")
        let result = try await Self.run(repo, ["--format", format])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(result.stdout.contains(marker), "\(result.stdout)")
        #expect(result.stdout.contains("thing"))
    }

    @Test func pluginDirExecutablesCheckTheSectionOfTheirName() async throws {
        let repo = try await offPool {
            try ScratchRepository(files: [
                "manifests/m.yaml": "apiVersion: reconcile/v1\nkind: Environment\nfixture:\n  behaviour: drift\n"
            ])
        }
        // The operator's directory needs no operator config.
        let found = try await reconcile(["--dry-run", "--repo", repo.path, "--plugin-dir", Self.plugins, "--format", "json"])
        #expect(found.status == 2, "\(found.allOutput)")
        #expect(try Self.findings(found).map { $0["checker"] as? String } == ["fixture"])
        let without = try await reconcile(["--dry-run", "--repo", repo.path])
        #expect(without.status == 1)
        #expect(without.stderr.contains("manifests/m.yaml:3:1: fixture: unknown key 'fixture'"), "\(without.stderr)")
        let missing = try await reconcile(["--dry-run", "--repo", repo.path, "--plugin-dir", Self.plugins + "/nowhere"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("not a readable directory"), "\(missing.stderr)")
    }

    @Test func aManifestsPluginRunsOnlyWhenTheOperatorConfigListsIt() async throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-plugin-record")
        let record = scratch.file("request.json")
        let repo = try await Self.repository("  behaviour: ok\n  record: ${record}")
        let result = try await Self.run(repo, ["--format", "json", "--var", "record=\(record)"], allowing: false)
        #expect(result.status == 3, "\(result.allOutput)")
        let message = try #require(try Self.findings(result).first?["message"] as? String)
        #expect(message.hasPrefix("the external checker fixture was not run: fixture is not listed under plugins: in"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: record))
        let validate = try await reconcile(["validate", "--repo", repo.path])
        #expect(validate.status == 1)
        #expect(
            validate.stdout.contains("manifests/m.yaml:8:14: plugins[0].command: runs the external checker fixture"), "\(validate.stdout)")
    }

    @Test func theCommandIsTheRepositorysAtTheCommitReadNotTheCheckout() async throws {
        let repo = try await Self.repository("  behaviour: ok")
        let first = try repo.git("rev-parse", "HEAD")
        // An uncommitted edit to the script changes nothing; a committed one does, at its ref.
        try repo.write("checks/fixture.py", "import sys\nsys.exit(7)\n")
        #expect(try await Self.run(repo).status == 0)
        try repo.commit(message: "break the plugin")
        #expect(try await Self.run(repo).status == 3)
        #expect(try await Self.run(repo, ["--ref", first]).status == 0)
    }

    @Test func anAbsoluteCommandRunsAsItIs() async throws {
        let repo = try await Self.repository("  behaviour: drift", command: "[\"\(Self.fixture)\"]")
        #expect(try await Self.run(repo).status == 2)
    }

    @Test func validateChecksTheSectionAgainstThePluginsSchemaWithoutRunningIt() async throws {
        let config = try Self.config()
        let record = config.scratch.file("request.json")
        let bad = try await Self.repository("  behaviour: okay\n  colour: red\n  count: 11\n  record: ${record}")
        let failing = try await reconcile(["validate", "--repo", bad.path, "--config", config.path, "--var", "record=\(record)"])
        #expect(failing.status == 1, "\(failing.allOutput)")
        #expect(
            failing.stdout.contains(
                "manifests/m.yaml:10:14: fixture.behaviour: string 'okay' is not one of 'ok', 'drift', 'exit', 'stderr', 'big', 'hang', 'malformed', 'badstatus', 'empty', 'signal', 'hostile' (fixture's --schema)"
            ), "\(failing.stdout)")
        #expect(
            failing.stdout.contains(
                "manifests/m.yaml:11:11: fixture.colour: unknown key 'colour' (allowed: behaviour, count, record) (fixture's --schema)"),
            "\(failing.stdout)")
        #expect(failing.stdout.contains("manifests/m.yaml:12:10: fixture.count: number 11 must be at most 10"), "\(failing.stdout)")
        let good = try await Self.repository("  behaviour: ok\n  record: ${record}")
        let passing = try await reconcile(["validate", "--repo", good.path, "--config", config.path, "--var", "record=\(record)"])
        #expect(passing.status == 0, "\(passing.allOutput)")
        #expect(passing.stdout.contains("manifests/m.yaml: valid (plugins: fixture)"), "\(passing.stdout)")
        // --schema only: no check ran, so nothing was recorded.
        #expect(!FileManager.default.fileExists(atPath: record))
    }
}
