import Foundation
import TestSupport
import Testing

@testable import ReconcileKit

/// The operator config: decoded with positions like a manifest, and the one function
/// both a run and `reconcile validate` ask.
@Suite struct OperatorConfigTests {
    @Test func aConfigIsDecodedAndAKeyLeftOutKeepsItsDefault() throws {
        let config = try OperatorConfig.decode(
            "interpreters: [/srv/venv/bin/python]\ncontainers: [backend]\ntoken_env: [HEALTH_TOKEN]\n", file: "c.yaml")
        #expect(config.interpreters == ["/srv/venv/bin/python"])
        #expect(config.containers == ["backend"])
        #expect(config.tokenVariables == ["HEALTH_TOKEN"])
        #expect(config.tokenDirectories == ["/etc/reconcile"])
        #expect(config.runnerEnvironment == ["DJANGO_*"])
        #expect(config.file == "c.yaml")
    }

    @Test func theHostsTrustDemandIsTheManifestsSectionAndWinsWithItsKeys() throws {
        let config = try OperatorConfig.decode(
            "trust:\n  require_signed: true\n  gpg_keyring: /etc/reconcile/keyring.gpg\n", file: "c.yaml")
        #expect(config.trust?.requireSigned == true)
        let host = try #require(try SignatureRequirement.host(flag: false, commandLineKeys: TrustedKeys(), config: config))
        #expect(host.keys == TrustedKeys(gpgKeyrings: ["/etc/reconcile/keyring.gpg"]))
        #expect(host.demandedBy == "trust.require_signed in the operator config c.yaml (c.yaml:2:19)")
        #expect(try SignatureRequirement.host(flag: false, commandLineKeys: TrustedKeys(), config: .defaults) == nil)
        // A manifest's demand is judged with the host's keys, not its own paths.
        let manifest = try decode("trust:\n  require_signed: true\n  allowed_signers: /srv/elsewhere\n")
        let demanded = try #require(
            try SignatureRequirement.demanded(by: [manifest], commandLineKeys: TrustedKeys(), config: config))
        #expect(demanded.keys == TrustedKeys(gpgKeyrings: ["/etc/reconcile/keyring.gpg"]))
        #expect(!demanded.keysFromManifest)
    }

    @Test func errorsNameFileLineColumnAndKey() {
        #expect {
            try OperatorConfig.decode("interpreters: [venv/bin/python]\ntoken_dir: [/x]\n", file: "/etc/reconcile/config.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.contains("/etc/reconcile/config.yaml:1:16: interpreters[0]: must be an absolute path, got 'venv/bin/python'")
                && text.contains("/etc/reconcile/config.yaml:2:1: token_dir: unknown key 'token_dir'; did you mean 'token_dirs'?")
        }
    }

    @Test func aMissingDefaultFileIsTheDefaultsButAMissingNamedFileIsAnError() throws {
        #expect(try OperatorConfig.load("/nonexistent/config.yaml", required: false) == .defaults)
        #expect(throws: ManifestErrors.self) { try OperatorConfig.load("/nonexistent/config.yaml", required: true) }
    }

    @Test(
        "interpreters: absolute, Python, and listed when the config lists any",
        arguments: [
            ("/srv/venv/bin/python3", nil, true),
            ("venv/bin/python3", nil, false),
            ("python3", nil, false),
            ("/bin/sh", nil, false),
            ("/usr/bin/env", nil, false),
            ("/srv/venv/bin/python3", ["/usr/bin/python3"], false),
            ("/srv/venv/bin/../bin/python3", ["/srv/venv/bin/python3"], true),
        ] as [(String, [String]?, Bool)])
    func interpreters(_ path: String, _ listed: [String]?, _ allowed: Bool) {
        #expect(OperatorConfig(interpreters: listed).decide(.interpreter(path)).isAllowed == allowed)
    }

    @Test func theDangerousKeysAreNeverPassedEvenWhenEverythingIsAllowed() {
        let everything = OperatorConfig(runnerEnvironment: ["*"])
        let manifest = [
            "PYTHONSTARTUP": "/tmp/x.py", "PYTHONWARNINGS": "ignore::x.W", "PYTHONPATH": "/tmp", "BROWSER": "/tmp/x",
            "LD_PRELOAD": "/tmp/x.so", "LD_LIBRARY_PATH": "/tmp", "BASH_FUNC_x%%": "() { :; }", "DATABASE_URL": "x",
            "BROWSER_KIND": "fine",
        ]
        let (kept, refused) = ChildEnvironment.filter(manifest, by: everything)
        #expect(kept == ["DATABASE_URL": "x", "BROWSER_KIND": "fine"])
        #expect(
            refused.map(\.key) == [
                "BASH_FUNC_x%%", "BROWSER", "LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONWARNINGS",
            ])
        #expect(refused.allSatisfy { $0.reason.contains("never passed") })
        let defaults = ChildEnvironment.filter(["DJANGO_DEBUG": "0", "DATABASE_URL": "x"], by: .defaults)
        #expect(defaults.kept == ["DJANGO_DEBUG": "0"])
        #expect(defaults.refused.first?.reason.contains("runner_env:") == true)
    }

    @Test func tokenVariablesAndFilesFollowTheAllowlists() throws {
        let config = OperatorConfig.defaults
        #expect(config.decide(.tokenVariable("RECONCILE_HEALTH_TOKEN")).isAllowed)
        #expect(!config.decide(.tokenVariable("AWS_SECRET_ACCESS_KEY")).isAllowed)
        #expect(config.decide(.tokenFile("/etc/reconcile/tokens/health")).isAllowed)
        #expect(!config.decide(.tokenFile("/etc/shadow")).isAllowed)
        #expect(!config.decide(.tokenFile("/etc/reconcile/../shadow")).isAllowed)
        #expect(!config.decide(.tokenFile("tokens/health")).isAllowed)
    }

    @Test func containersAreAnyByDefaultAndOnlyTheListedOnesWithAList() {
        #expect(OperatorConfig.defaults.decide(.container("backend")).isAllowed)
        #expect(OperatorConfig(containers: ["backend"]).decide(.container("backend")).isAllowed)
        #expect(!OperatorConfig(containers: ["backend"]).decide(.container("db")).isAllowed)
        #expect(!OperatorConfig(containers: []).decide(.container("backend")).isAllowed)
        #expect(OperatorConfig.defaults.decide(.containerInterpreter("/app/.venv/bin/python")).isAllowed)
        #expect(!OperatorConfig.defaults.decide(.containerInterpreter("/bin/sh")).isAllowed)
    }

    @Test func aCaddyfileIsWrittenOnlyToAListedPath() throws {
        #expect(OperatorConfig.defaults.decide(.caddyfileWrite("/etc/caddy/Caddyfile")).isAllowed)
        #expect(!OperatorConfig.defaults.decide(.caddyfileWrite("/etc/profile.d/reconcile.sh")).isAllowed)
        #expect(!OperatorConfig.defaults.decide(.caddyfileWrite("/etc/caddy/../profile.d/reconcile.sh")).isAllowed)
        let listed = try OperatorConfig.decode("caddyfile_writes: [/srv/caddy/Caddyfile]\n", file: "config.yaml")
        #expect(listed.decide(.caddyfileWrite("/srv/caddy/./Caddyfile")).isAllowed)
        #expect(!listed.decide(.caddyfileWrite("/etc/caddy/Caddyfile")).isAllowed)
    }

    /// The host's `apply:` is a ceiling: a manifest may grant less, never more.
    @Test func theHostsApplyListIsACeilingOnWhatAManifestGrants() throws {
        let manifest = ApplyPolicy(caddy: true, docker: [.start, .recreate])
        #expect(manifest.limited(by: .defaults).refusal(of: "docker.recreate") == nil, "without apply: there, the manifest decides")
        let config = try OperatorConfig.decode(
            "apply: [caddy, docker.start, docker.restart_policy]\n", file: "/etc/reconcile/config.yaml")
        let limited = manifest.limited(by: config)
        #expect(limited.refusal(of: "caddy") == nil)
        #expect(limited.refusal(of: "docker.start") == nil)
        #expect(
            limited.refusal(of: "docker.recreate")
                == "the operator config /etc/reconcile/config.yaml does not list docker.recreate under apply:; its actions are "
                + "planned as manual")
        #expect(limited.refusal(of: "docker.restart_policy") == "apply.docker does not list restart_policy", "the manifest's no stands")
        #expect(manifest.limited(by: try OperatorConfig.decode("apply: []\n", file: "c.yaml")).refusal(of: "caddy") != nil)
        #expect {
            try OperatorConfig.decode("apply: [caddy, docker.rebuild]\n", file: "c.yaml")
        } throws: { error in
            "\(error)".contains("c.yaml:1:16: apply[1]:") && "\(error)".contains("docker.recreate")
        }
    }

    @Test func theShippedExampleConfigDecodes() throws {
        let config = try OperatorConfig.load(TestPaths.repositoryRoot + "/contrib/config/config.yaml", required: true)
        #expect(config.interpreters?.isEmpty == false)
    }
}
