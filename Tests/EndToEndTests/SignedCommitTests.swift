import Foundation
import TestSupport
import Testing

/// Verified desired state (`--require-signed`, `trust: {require_signed: true}`), on the
/// built binary, with real keys made by the test (ssh-keygen, gpg) and commits signed by
/// git itself. A refused commit ends the run with exit 1 before any check: the fixture
/// server behind the manifest's health check receives no request.
@Suite struct SignedCommitTests {
    /// One health check against the fixture server (`--var base=…`).
    static let manifest = Manifests.health(
        """
          - name: api
            url: ${base}/api/health/
            expect: { status: 200 }
        """)

    /// The manifest with a `trust:` section appended.
    static func demanding(_ trust: String) -> String {
        manifest + "\ntrust:\n" + trust
    }

    struct Setup {
        let keys: SigningKeys
        let repo: ScratchRepository
        let server: FixtureHTTPServer

        func run(_ extra: [String], environment: [String: String?] = [:]) async throws -> CommandResult {
            try await reconcile(
                ["--dry-run", "--repo", repo.path, "--var", "base=\(server.baseURL)"] + extra, environment: environment)
        }

        var ssh: [String] { ["--require-signed", "--allowed-signers", keys.allowedSigners] }
        var gpg: [String] { ["--require-signed", "--gpg-keyring", keys.gpgKeyring] }
    }

    static func setUp() async throws -> Setup {
        try await offPool { Setup(keys: try SigningKeys(), repo: try ScratchRepository(), server: try FixtureHTTPServer()) }
    }

    @Test(arguments: [false, true])
    func aCommitSignedByAnAllowedKeyIsChecked(gpg: Bool) async throws {
        let setup = try await Self.setUp()
        let keys = setup.keys
        try keys.commit(["manifests/e2e.yaml": Self.manifest], in: setup.repo, signedBy: gpg ? keys.aliceGPG : keys.aliceSSH)
        let result = try await setup.run(gpg ? setup.gpg : setup.ssh)
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(setup.server.receivedRequests().count == 1)
    }

    @Test func anUnsignedCommitIsRefusedBeforeAnythingRuns() async throws {
        let setup = try await Self.setUp()
        let sha = try setup.repo.commit(["manifests/e2e.yaml": Self.manifest])
        let result = try await setup.run(setup.ssh)
        #expect(result.status == 1)
        #expect(result.stderr.contains("refusing commit \(sha.prefix(12)) (HEAD): nobody signed it"), "\(result.stderr)")
        #expect(result.stdout.isEmpty, "no report: \(result.stdout)")
        #expect(setup.server.receivedRequests().isEmpty)
    }

    @Test(arguments: [false, true])
    func aCommitSignedByAKeyNobodyAllowedIsRefusedNamingTheKey(gpg: Bool) async throws {
        let setup = try await Self.setUp()
        let keys = setup.keys
        try keys.commit(["manifests/e2e.yaml": Self.manifest], in: setup.repo, signedBy: gpg ? keys.malloryGPG : keys.mallorySSH)
        let result = try await setup.run(gpg ? setup.gpg : setup.ssh)
        #expect(result.status == 1)
        let signer = gpg ? "GPG key \(keys.malloryGPGFingerprint)" : "ED25519 key \(keys.mallorySSHFingerprint)"
        #expect(result.stderr.contains("signed by \(signer), which is not an allowed key"), "\(result.stderr)")
        #expect(setup.server.receivedRequests().isEmpty)
    }

    @Test(arguments: [false, true])
    func aSignatureOverDifferentContentIsRefused(gpg: Bool) async throws {
        let setup = try await Self.setUp()
        let signed = try setup.keys.commit(
            ["manifests/e2e.yaml": Self.manifest], in: setup.repo, signedBy: gpg ? setup.keys.aliceGPG : setup.keys.aliceSSH)
        let tampered = try SigningKeys.tamperedCopy(of: signed, in: setup.repo)
        #expect(tampered != signed)
        let result = try await setup.run((gpg ? setup.gpg : setup.ssh) + ["--ref", tampered])
        #expect(result.status == 1)
        #expect(result.stderr.contains("refusing commit \(tampered.prefix(12)): its signature by"), "\(result.stderr)")
        #expect(result.stderr.contains(gpg ? "(gpg: BAD signature)" : "Signature verification failed"), "\(result.stderr)")
        #expect(result.stderr.contains(gpg ? "Alice <alice@example.com>" : "alice@example.com with ED25519 key SHA256:"))
        #expect(setup.server.receivedRequests().isEmpty)
        // The untouched commit still verifies: the refusal is about the content.
        #expect(try await setup.run((gpg ? setup.gpg : setup.ssh) + ["--ref", signed]).status == 0)
    }

    @Test func theManifestDemandsASignatureWhenTheCommandLineForgets() async throws {
        let setup = try await Self.setUp()
        let manifest = Self.demanding("  require_signed: true\n  allowed_signers: \(setup.keys.allowedSigners)\n")
        try setup.keys.commit(["manifests/e2e.yaml": manifest], in: setup.repo, signedBy: setup.keys.aliceSSH)
        let signed = try await setup.run([])
        #expect(signed.status == 0, "\(signed.allOutput)")

        let unsigned = try setup.repo.commit(["manifests/e2e.yaml": manifest + "# an unsigned edit\n"])
        let result = try await setup.run([])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "refusing commit \(unsigned.prefix(12)) (HEAD): nobody signed it; trust.require_signed at manifests/e2e.yaml:11:19"),
            "\(result.stderr)")
        #expect(setup.server.receivedRequests().count == 1, "only the signed run observed")
    }

    @Test func theOperatorConfigDemandsASignatureBeforeAnyManifestIsRead() async throws {
        let setup = try await Self.setUp()
        let config = try setup.keys.directory.write(
            "config.yaml", "trust:\n  require_signed: true\n  allowed_signers: \(setup.keys.allowedSigners)\n")
        try setup.keys.commit(["manifests/e2e.yaml": Self.manifest], in: setup.repo, signedBy: setup.keys.aliceSSH)
        #expect(try await setup.run(["--config", config]).status == 0)

        // The unsigned commit's manifest even says require_signed: false: it changes nothing.
        let unsigned = try setup.repo.commit(["manifests/e2e.yaml": Self.demanding("  require_signed: false\n")])
        let result = try await setup.run(["--config", config])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "refusing commit \(unsigned.prefix(12)) (HEAD): nobody signed it; trust.require_signed in the operator config \(config) (\(config):2:19)"
            ), "\(result.stderr)")
        #expect(setup.server.receivedRequests().count == 1, "only the signed run observed")
    }

    @Test func aManifestCannotTurnTheFlagOff() async throws {
        let setup = try await Self.setUp()
        try setup.repo.commit(["manifests/e2e.yaml": Self.demanding("  require_signed: false\n")])
        let result = try await setup.run(setup.ssh)
        #expect(result.status == 1)
        #expect(result.stderr.contains("nobody signed it; --require-signed accepts only"), "\(result.stderr)")
        #expect(setup.server.receivedRequests().isEmpty)
    }

    @Test func aKeyFileInsideTheRepositoryCannotVouchForItsOwnCommit() async throws {
        let setup = try await Self.setUp()
        let inside = setup.repo.real("keys/allowed_signers")
        let manifest = Self.demanding("  require_signed: true\n  allowed_signers: \(inside)\n")
        let allowed = try String(contentsOfFile: setup.keys.allowedSigners, encoding: .utf8)
        try setup.keys.commit(
            ["manifests/e2e.yaml": manifest, "keys/allowed_signers": allowed], in: setup.repo, signedBy: setup.keys.aliceSSH)
        let result = try await setup.run([])
        #expect(result.status == 1)
        #expect(result.stderr.contains("is inside the repository being verified"), "\(result.stderr)")
        // The operator's key on the command line wins over the manifest's path.
        #expect(try await setup.run(["--allowed-signers", setup.keys.allowedSigners]).status == 0)
    }

    @Test func applyRefusesAnUnverifiedCommitAndTheJournalSaysWhy() async throws {
        let setup = try await Self.setUp()
        let manifest =
            Self.demanding("  require_signed: true\n  gpg_keyring: \(setup.keys.gpgKeyring)\n") + "apply:\n  verify: [health]\n"
        let sha = try setup.repo.commit(["manifests/e2e.yaml": manifest])
        let state = try TemporaryDirectory(prefix: "reconcile-e2e-state")
        let journal = try state.write("journal.jsonl", "")
        let result = try await reconcile(
            ["--repo", setup.repo.path, "--var", "base=\(setup.server.baseURL)", "--journal", journal, "--state-dir", state.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("nobody signed it"), "\(result.stderr)")
        #expect(setup.server.receivedRequests().isEmpty, "nothing observed, nothing applied")
        let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let line = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(line["commit"] as? String == sha)
        #expect(line["checker"] as? String == "trust")
        #expect(line["result"] as? String == "skipped")
        #expect((line["detail"] as? String)?.contains("nobody signed it") == true)
    }

    @Test func planVerifiesBothCommits() async throws {
        let setup = try await Self.setUp()
        try setup.keys.commit(["manifests/e2e.yaml": Self.manifest], in: setup.repo, signedBy: setup.keys.aliceSSH)
        let head = try setup.repo.commit(["manifests/e2e.yaml": Self.manifest + "# unsigned\n"])
        let result = try await reconcile(["plan", "--repo", setup.repo.path, "--base", "HEAD~1"] + setup.ssh)
        #expect(result.status == 1)
        #expect(result.stderr.contains("refusing commit \(head.prefix(12)) (HEAD): nobody signed it"), "\(result.stderr)")
        let signedHead = try await reconcile(["plan", "--repo", setup.repo.path, "--base", "HEAD~1", "--head", "HEAD~1"] + setup.ssh)
        #expect(signedHead.status == 0, "\(signedHead.allOutput)")
    }

    @Test func validateVerifiesACommitAndNotesAWorkingTree() async throws {
        let setup = try await Self.setUp()
        let manifest = Self.demanding("  require_signed: true\n  allowed_signers: \(setup.keys.allowedSigners)\n")
        try setup.repo.commit(["manifests/e2e.yaml": manifest])
        let atCommit = try await reconcile(["validate", "--repo", setup.repo.path])
        #expect(atCommit.status == 1)
        #expect(atCommit.stderr.contains("nobody signed it"), "\(atCommit.stderr)")
        let worktree = try await reconcile(["validate", "--repo", setup.repo.path, "--worktree"])
        #expect(worktree.status == 0, "\(worktree.allOutput)")
        #expect(worktree.stderr.contains("note: trust.require_signed at manifests/e2e.yaml:11:19: not verified"))
    }

    @Test func serveRefusesEachCycleOnAnUnverifiedCommit() async throws {
        let setup = try await Self.setUp()
        try setup.repo.commit(["manifests/e2e.yaml": Self.manifest])
        let state = try TemporaryDirectory(prefix: "reconcile-e2e-state")
        let agent = try await offPool {
            let agent = try ServeAgentProcess(
                ["--dry-run", "--repo", setup.repo.path, "--var", "base=\(setup.server.baseURL)", "--state-dir", state.path]
                    + setup.ssh)
            try waitUntil("the first run's refusal in /healthz") {
                (try? agent.request("/healthz").body.contains("nobody signed it")) == true
            }
            return agent
        }
        #expect(try agent.request("/healthz").status == 503)
        #expect(setup.server.receivedRequests().isEmpty)
        #expect(agent.terminate() == 0)
    }

    @Test(
        arguments: [
            (["--require-signed"], "--require-signed demands a signed commit, but no key is named"),
            (["--require-signed", "--allowed-signers", "x", "--worktree"], "--worktree reads uncommitted files"),
        ])
    func requireSignedNeedsKeysAndACommit(_ flags: [String], _ message: String) async throws {
        let result = try await reconcile(["--dry-run"] + flags)
        #expect(result.status == 1)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
