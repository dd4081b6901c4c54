import Foundation
import TestSupport
import Testing

/// `reconcile [run]`, the built binary, on config repositories made with git: exit
/// codes, report formats, which content is read, and what is never printed.
@Suite struct RunCommandTests {
    static let token = "e2e-SECRET-token-7c1f0a9b3d"

    /// A repository with `manifests/prod.yaml` committed, and a fixture server.
    static func setUp(_ manifest: String = Manifests.inSync) async throws
        -> (ScratchRepository, FixtureHTTPServer, String)
    {
        try await offPool {
            let repo = try ScratchRepository(files: ["manifests/prod.yaml": manifest])
            return (repo, try FixtureHTTPServer(token: token), try repo.git("rev-parse", "HEAD"))
        }
    }

    static func runArguments(_ repo: ScratchRepository, _ server: FixtureHTTPServer, _ extra: [String] = []) -> [String] {
        ["--dry-run", "--repo", repo.path, "--var", "base=\(server.baseURL)"] + extra
    }

    /// `reconcile` with `runArguments`, and `token` as the health token (none when nil).
    static func dryRun(_ repo: ScratchRepository, _ server: FixtureHTTPServer, _ extra: [String] = [], token: String? = nil)
        async throws -> CommandResult
    {
        try await reconcile(runArguments(repo, server, extra), environment: ["RECONCILE_HEALTH_TOKEN": token])
    }

    // MARK: Exit codes

    @Test func inSyncExitsZero() async throws {
        let (repo, server, sha) = try await Self.setUp()
        let result = try await Self.dryRun(repo, server, token: Self.token)
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(result.stderr == "")
        #expect(result.stdout.hasPrefix("reconcile dry-run: manifests/prod.yaml from \(repo.path), HEAD @ \(sha.prefix(12))\n"))
        #expect(result.stdout.hasSuffix("3 checks: 0 drift, 0 unknown, 3 ok (in sync)\n"))
    }

    @Test func driftExitsTwoAndShowsTheFix() async throws {
        let (repo, server, _) = try await Self.setUp(Manifests.drifting)
        let result = try await Self.dryRun(repo, server)
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(result.stdout.contains("DRIFT    health  api  answered 502, expected 200"))
        #expect(result.stdout.contains("could not get an answer from its"))
        #expect(result.stdout.contains("declared  manifests/prod.yaml:7:5"))
        #expect(result.stdout.hasSuffix("1 check: 1 drift, 0 unknown, 0 ok (drift)\n"))
    }

    @Test func onlyUnobservableChecksExitThree() async throws {
        let (repo, server, _) = try await Self.setUp(Manifests.unobservable)
        let result = try await Self.dryRun(repo, server)
        #expect(result.status == 3, "\(result.allOutput)")
        #expect(result.stdout.contains("UNKNOWN  health  warmup"))
        #expect(result.stdout.hasSuffix("(could not observe everything)\n"))
        #expect(server.receivedRequests().isEmpty)
    }

    @Test func aBadManifestExitsOneNamingFileLineAndColumn() async throws {
        let (repo, server, _) = try await Self.setUp(
            Manifests.health("  - name: api\n    url: ftp://x/\n    expect: { status: 200 }"))
        let result = try await Self.dryRun(repo, server)
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(
            result.stderr.contains(
                "manifests/prod.yaml:8:10: health[0].url: unsupported URL scheme 'ftp' in 'ftp://x/'; use http, https"))
        #expect(server.receivedRequests().isEmpty)
    }

    @Test func aBadRefExitsOne() async throws {
        let (repo, server, _) = try await Self.setUp()
        let result = try await Self.dryRun(repo, server, ["--ref", "no-such-branch"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: "))
        #expect(result.stderr.contains("no-such-branch"))
    }

    @Test func aMissingManifestAtTheRefExitsOne() async throws {
        let (repo, server, _) = try await Self.setUp()
        let result = try await Self.dryRun(repo, server, ["--manifest", "manifests/staging.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("manifests/staging.yaml"))
    }

    /// `--journal journal.jsonl` is a file in the working directory: a bare name used to
    /// fail every apply run ("cannot create the state directory").
    @Test func aBareJournalNameIsAFileInTheWorkingDirectory() async throws {
        let server = try await offPool { try FixtureHTTPServer() }
        let manifest = """
            apiVersion: reconcile/v1
            kind: Environment
            health:
              - name: api
                url: \(server.baseURL)/status/200
                expect: { status: 200 }
            apply:
              verify: [health]

            """
        let repo = try await committedRepository(["manifests/site.yaml": manifest])
        let here = try TemporaryDirectory(prefix: "reconcile-journal-here")
        let result = try await reconcile(
            ["--repo", repo.path, "--journal", "journal.jsonl", "--state-dir", here.file("state")], workingDirectory: here.path)
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(!FileManager.default.fileExists(atPath: here.file("apply.lock")), "the lock is the host's, not beside the journal")
    }

    @Test func aRepositoryWithoutManifestsExitsOne() async throws {
        let repo = try await committedRepository(["README.md": "config\n"])
        let result = try await reconcile(["--dry-run", "--repo", repo.path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: "))
    }

    @Test(
        "bad flags exit 1 with a message",
        arguments: [
            (["--frobnicate"], "--frobnicate"), (["--only", "helth"], "unknown checker 'helth' (did you mean health?)"),
            (["--format", "xml"], "xml"), (["--var", "novalue"], "--var expects name=value, got 'novalue'"),
            (["--timeout", "0"], "--timeout must be a number of seconds from 0.001 to 86400, got 0.0"),
            (["--worktree", "--ref", "v1"], "cannot be combined with --ref v1"),
        ])
    func badFlags(_ flags: [String], _ message: String) async throws {
        let (repo, server, _) = try await Self.setUp()
        let result = try await Self.dryRun(repo, server, flags)
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout == "")
        #expect(server.receivedRequests().isEmpty)
    }

    @Test func onlyRunsTheNamedChecker() async throws {
        let (repo, server, _) = try await Self.setUp()
        let result = try await Self.dryRun(repo, server, ["--only", "health"], token: Self.token)
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(result.stdout.hasSuffix("3 checks: 0 drift, 0 unknown, 3 ok (in sync)\n"))
    }

    @Test(
        "--only a checker no manifest has a section for exits 1 naming it and the manifests read",
        arguments: [
            (["--only", "caddy"], "error: --only caddy: no manifest read has a caddy: section (manifests/prod.yaml)"),
            (["--only", "media"], "error: --only media: no manifest read has a mounts: section (manifests/prod.yaml)"),
            (
                ["--only", "health", "--only", "docker", "--format", "json"],
                "error: --only docker: no manifest read has a docker: section (manifests/prod.yaml)"
            ),
        ])
    func onlyACheckerWithoutASectionIsAnError(_ flags: [String], _ message: String) async throws {
        let (repo, server, _) = try await Self.setUp()
        let result = try await Self.dryRun(repo, server, flags, token: Self.token)
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.allOutput.contains("in sync"))
        #expect(result.stdout == "")
        #expect(server.receivedRequests().isEmpty)
    }

    @Test func aManifestWithNoSectionToCheckIsAnErrorNotInSync() async throws {
        let (repo, server, _) = try await Self.setUp("apiVersion: reconcile/v1\nkind: Environment\nname: empty\n")
        let result = try await Self.dryRun(repo, server)
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.stderr.contains("error: no manifest read has a section to check (manifests/prod.yaml); sections: "))
        #expect(!result.allOutput.contains("in sync"))
    }

    // MARK: JSON

    @Test func jsonReportCarriesTheContractFields() async throws {
        let (repo, server, sha) = try await Self.setUp()
        let result = try await Self.dryRun(repo, server, ["--format", "json"], token: "wrong")
        #expect(result.status == 2)
        let report = try result.json()
        #expect(report["version"] as? Int == 1)
        #expect(report["mode"] as? String == "dry-run")
        let source = try #require(report["source"] as? [String: Any])
        #expect(source["repo"] as? String == repo.path)
        #expect(source["ref"] as? String == "HEAD")
        #expect(source["commit"] as? String == sha)
        #expect(source["commit"] as? String == (try repo.git("rev-parse", "HEAD")))
        #expect(source["manifest"] as? String == "manifests/prod.yaml")
        #expect(report["summary"] as? [String: Int] == ["ok": 2, "drift": 1, "unknown": 0])
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.map { $0["resource"] as? String } == ["api", "api-auth", "api-auth-rejects-anonymous"])
        let auth = findings[1]
        #expect(auth["checker"] as? String == "health")
        #expect(auth["status"] as? String == "drift")
        #expect(auth["severity"] as? String == "error")
        #expect(auth["expected"] as? String == "status 200")
        #expect((auth["observed"] as? String)?.hasPrefix("status 401 in ") == true)
        #expect(auth["message"] as? String == "answered 401, expected 200")
        let fix = try #require(auth["fix"] as? [String: Any])
        #expect((fix["summary"] as? String)?.contains("rejected the configured token") == true)
        #expect(fix.keys.contains("snippet") && fix.keys.contains("language"))
    }

    // MARK: Secrets

    @Test func theTokenNeverAppearsInAnyOutput() async throws {
        let (repo, server, _) = try await Self.setUp()
        let wrong = "wrong-SECRET-token-0f9e8d7c"
        for (token, expected) in [(Self.token, Int32(0)), (wrong, Int32(2))] {
            for format in [["--format", "text"], ["--format", "json"], ["--format", "github"], ["--verbose"]] {
                let report = NSTemporaryDirectory() + "reconcile-e2e-\(UUID().uuidString).json"
                defer { try? FileManager.default.removeItem(atPath: report) }
                let result = try await Self.dryRun(repo, server, format + ["--report-file", report], token: token)
                #expect(result.status == expected, "\(format): \(result.allOutput)")
                let written = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
                for text in [result.stdout, result.stderr, written] {
                    #expect(!text.contains(token), "\(format) leaked the token")
                    #expect(!text.contains("SECRET"), "\(format) leaked the token")
                }
            }
        }
    }

    // MARK: Which content is read

    @Test func theCommittedContentWinsOverADirtyWorkingTree() async throws {
        let (repo, server, sha) = try await Self.setUp()
        try repo.write("manifests/prod.yaml", Manifests.drifting)

        let committed = try await Self.dryRun(repo, server, ["--format", "json"], token: Self.token)
        #expect(committed.status == 0, "\(committed.allOutput)")
        #expect((try committed.json()["source"] as? [String: Any])?["commit"] as? String == sha)

        let edited = try await Self.dryRun(repo, server, ["--worktree", "--format", "json"], token: Self.token)
        #expect(edited.status == 2, "\(edited.allOutput)")
        let source = try #require(try edited.json()["source"] as? [String: Any])
        #expect(source["ref"] as? String == "worktree")
        #expect(source["worktree"] as? Bool == true)
    }

    @Test func anInvalidUncommittedEditBreaksOnlyWorktreeRuns() async throws {
        let (repo, server, _) = try await Self.setUp()
        try repo.write("manifests/prod.yaml", "apiVersion: reconcile/v1\nkind: Environment\nhelth: []\n")
        #expect(try await Self.dryRun(repo, server, token: Self.token).status == 0)
        let edited = try await Self.dryRun(repo, server, ["--worktree"], token: Self.token)
        #expect(edited.status == 1)
        #expect(edited.stderr.contains("manifests/prod.yaml:3:1: helth: unknown key 'helth'; did you mean 'health'?"))
    }

    @Test func refSelectsOlderContentByTagOrSha() async throws {
        let (repo, server, first) = try await Self.setUp()
        try repo.git("tag", "v1")
        try repo.write("manifests/prod.yaml", Manifests.drifting)
        let second = try repo.commit(message: "Break it")

        #expect(try await Self.dryRun(repo, server, token: Self.token).status == 2)
        for ref in ["v1", first, String(first.prefix(8)), "HEAD~1", "main~1"] {
            let result = try await Self.dryRun(repo, server, ["--ref", ref, "--format", "json"], token: Self.token)
            #expect(result.status == 0, "--ref \(ref): \(result.allOutput)")
            let source = try #require(try result.json()["source"] as? [String: Any])
            #expect(source["commit"] as? String == first, "--ref \(ref)")
            #expect(source["ref"] as? String == ref)
        }
        let latest = try await Self.dryRun(repo, server, ["--ref", "main", "--format", "json"], token: Self.token)
        #expect((try latest.json()["source"] as? [String: Any])?["commit"] as? String == second)
    }

    @Test func withoutAManifestNamedEveryYAMLFileInManifestsIsRead() async throws {
        let server = try await offPool { try FixtureHTTPServer() }
        let repo = try await committedRepository([
            "manifests/a.yaml": Manifests.health("  - name: from-a\n    url: ${base}/api/health/\n    expect: { status: 200 }", name: "a"),
            "manifests/b.yml": Manifests.health("  - name: from-b\n    url: ${base}/status/204\n    expect: { status: 204 }", name: "b"),
            "manifests/notes.txt": "not a manifest\n", "manifests/old/c.yaml": "not: read\n", "other/d.yaml": "not: read\n",
        ])
        let result = try await Self.dryRun(repo, server, ["--format", "json"])
        #expect(result.status == 0, "\(result.allOutput)")
        let report = try result.json()
        #expect((report["source"] as? [String: Any])?["manifest"] as? String == "manifests/")
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.map { $0["resource"] as? String } == ["from-a", "from-b"])
    }

    @Test func theRepositoryDefaultsToTheOneAroundTheCurrentDirectory() async throws {
        let (repo, server, sha) = try await Self.setUp()
        let result = try await reconcile(
            ["--dry-run", "--var", "base=\(server.baseURL)", "--format", "json"],
            environment: ["RECONCILE_HEALTH_TOKEN": Self.token], workingDirectory: repo.path + "/manifests")
        #expect(result.status == 0, "\(result.allOutput)")
        #expect((try result.json()["source"] as? [String: Any])?["commit"] as? String == sha)
    }

    // MARK: Output

    @Test func reportFileHoldsTheSameJSONAsStdoutAndNoTemporaryFile() async throws {
        let (repo, server, _) = try await Self.setUp(Manifests.drifting)
        let out = try TemporaryDirectory()
        try out.write("report.json", "previous report\n")
        let path = out.file("report.json")
        let result = try await Self.dryRun(repo, server, ["--format", "json", "--report-file", path])
        #expect(result.status == 2)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == result.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["report.json"])
    }

    @Test func reportFileIsJSONWhateverTheStdoutFormat() async throws {
        let (repo, server, _) = try await Self.setUp(Manifests.drifting)
        let out = try TemporaryDirectory()
        let path = out.file("report.json")
        let result = try await Self.dryRun(repo, server, ["--report-file", path])
        #expect(result.status == 2)
        #expect(result.stdout.contains("DRIFT"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        #expect((object as? [String: Any])?["version"] as? Int == 1)
    }

    @Test func reportFileInAMissingDirectoryExitsOne() async throws {
        let (repo, server, _) = try await Self.setUp()
        let result = try await Self.dryRun(repo, server, ["--report-file", "/nonexistent/dir/report.json"], token: Self.token)
        #expect(result.status == 1)
        #expect(result.stderr == "error: cannot write report file /nonexistent/dir/report.json: No such file or directory\n")
        #expect(result.stdout.contains("in sync"), "the run is printed all the same: \(result.stdout)")
    }

    @Test func quietPrintsNothingWhenInSyncAndOnlyProblemsOtherwise() async throws {
        let (repo, server, _) = try await Self.setUp()
        let quiet = try await Self.dryRun(repo, server, ["--quiet"], token: Self.token)
        #expect(quiet.status == 0)
        #expect(quiet.stdout == "")
        #expect(quiet.stderr == "")

        let drift = try await Self.dryRun(repo, server, ["--quiet"], token: "wrong")
        #expect(drift.status == 2)
        #expect(drift.stdout.contains("DRIFT    health  api-auth"))
        #expect(!drift.stdout.contains("OK "))
    }

    @Test func outputHasNoEscapeCodesOffATerminalOrWithNoColor() async throws {
        let (repo, server, _) = try await Self.setUp(Manifests.drifting)
        let piped = try await Self.dryRun(repo, server)
        #expect(piped.status == 2)
        #expect(!piped.allOutput.contains("\u{1B}"))

        // On a terminal (a pty from script(1)) statuses are coloured, unless NO_COLOR.
        let command = ([TestPaths.reconcileBinary] + Self.runArguments(repo, server)).map { "'\($0)'" }
            .joined(separator: " ")
        let onTTY = try await reconcile(["-qec", command, "/dev/null"], environment: ["TERM": "xterm"], runner: "script")
        #expect(onTTY.stdout.contains("\u{1B}[31;1mDRIFT"), "\(onTTY.allOutput)")
        let noColor = try await reconcile(
            ["-qec", command, "/dev/null"], environment: ["TERM": "xterm", "NO_COLOR": "1"], runner: "script")
        #expect(noColor.stdout.contains("DRIFT"), "\(noColor.allOutput)")
        #expect(!noColor.stdout.contains("\u{1B}"))
    }

    @Test func withoutAnApplySectionARunChangesNothingAndSaysWhy() async throws {
        let (repo, server, _) = try await Self.setUp(Manifests.drifting)
        let state = try TemporaryDirectory(prefix: "reconcile-e2e-state")
        let result = try await reconcile(
            ["--repo", repo.path, "--var", "base=\(server.baseURL)", "--format", "json"],
            environment: ["XDG_STATE_HOME": state.path])
        #expect(result.stderr.contains("note: no manifest has an apply: section, so nothing is changed (report only)"))
        #expect(result.status == 2)
        let findings = try #require(try result.json()["findings"] as? [[String: Any]])
        #expect(findings.first?["plan"] as? String == "manual: health is never an action: it is the gate that verifies an apply")
        #expect(!FileManager.default.fileExists(atPath: state.file("reconcile/journal.jsonl")), "no state is written")
    }

    /// A health check that DELETEs, with or without an apply: section after it.
    static func deletingCheck(applying: Bool) -> String {
        Manifests.health(
            """
              - name: remove
                url: ${base}/status/200?case=delete
                method: DELETE
                expect: { status: 200 }
            """) + (applying ? "\napply:\n  verify: [health]\n" : "\n")
    }

    @Test func aReportOnlyRunIsAsReadOnlyAsADryRunAndSendsNoDelete() async throws {
        let (repo, server, _) = try await Self.setUp(Self.deletingCheck(applying: false))
        let state = try TemporaryDirectory(prefix: "reconcile-e2e-state")
        let reportOnly = try await reconcile(
            ["--repo", repo.path, "--var", "base=\(server.baseURL)"], environment: ["XDG_STATE_HOME": state.path])
        #expect(reportOnly.stderr.contains("note: no manifest has an apply: section, so nothing is changed (report only)"))
        #expect(reportOnly.status == 3, "\(reportOnly.allOutput)")
        #expect(reportOnly.stdout.hasPrefix("reconcile dry-run: "), "\(reportOnly.allOutput)")
        #expect(reportOnly.stdout.contains("UNKNOWN  health  remove"))
        #expect(reportOnly.stdout.contains("sent only by a run that applies"))
        #expect(!reportOnly.allOutput.contains("apply mode exists"))
        let dryRun = try await reconcile(
            Self.runArguments(repo, server), environment: ["XDG_STATE_HOME": state.path])
        #expect(dryRun.status == 3, "\(dryRun.allOutput)")
        #expect(server.receivedRequests().isEmpty, "\(server.receivedRequests())")
    }

    @Test func aRunThatAppliesSendsTheDeleteCheck() async throws {
        // The counterpart of the report-only test: the same check reaches the server once
        // a manifest has an apply: section and the run is not a dry run.
        let (repo, server, _) = try await Self.setUp(Self.deletingCheck(applying: true))
        let state = try TemporaryDirectory(prefix: "reconcile-e2e-state")
        let applied = try await reconcile(
            ["--repo", repo.path, "--var", "base=\(server.baseURL)", "--yes"], environment: ["XDG_STATE_HOME": state.path])
        #expect(applied.status == 0, "\(applied.allOutput)")
        #expect(applied.stdout.hasPrefix("reconcile apply: "), "\(applied.allOutput)")
        #expect(server.receivedRequests().contains { $0.method == "DELETE" && $0.path == "/status/200?case=delete" })
    }

    @Test func withDryRunThereIsNoApplyNote() async throws {
        let (repo, server, _) = try await Self.setUp(Manifests.unobservable)
        let result = try await Self.dryRun(repo, server)
        #expect(!result.stderr.contains("apply mode"))
    }
}
