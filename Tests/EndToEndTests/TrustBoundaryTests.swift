import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The trust boundary through the built binary: what a manifest (data anyone with push
/// access writes) can make reconcile execute or read is what the operator config
/// allows, and every child reconcile starts ends with reconcile.
@Suite struct TrustBoundaryTests {
    /// A stand-in for a project's interpreter: a shell script named `python3` that
    /// records that it ran and the environment it got, then prints nothing.
    struct FakePython {
        let directory: TemporaryDirectory
        var path: String { directory.file("bin/python3") }
        var ranMarker: String { directory.file("ran") }
        var environmentDump: String { directory.file("env") }

        /// `body` is given the script's directory and returns more shell to run.
        init(body: (TemporaryDirectory) -> String = { _ in "" }) throws {
            directory = try TemporaryDirectory(prefix: "reconcile-fake-python")
            _ = try directory.write(
                "bin/python3",
                "#!/bin/sh\ntouch '\(directory.file("ran"))'\nenv > '\(directory.file("env"))'\n\(body(directory))\n")
            _ = try runChecked("chmod", ["+x", directory.file("bin/python3")])
        }

        var ran: Bool { FileManager.default.fileExists(atPath: ranMarker) }
        var environment: [String] {
            ((try? String(contentsOfFile: environmentDump, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    static func djangoManifest(python: String, workdir: String, env: String = "{}", timeout: Int = 10_000) -> String {
        """
        apiVersion: reconcile/v1
        kind: Environment
        name: trust
        django:
          runner:
            local: { python: "\(python)", workdir: "\(workdir)", env: \(env) }
          settings_module: app.settings
          timeout_ms: \(timeout)
        """
    }

    static func repository(_ manifest: String) async throws -> ScratchRepository {
        try await committedRepository(["manifests/trust.yaml": manifest])
    }

    @Test func aRelativeInterpreterIsRefusedAndNothingRuns() async throws {
        let fake = try FakePython()
        let repo = try await Self.repository(Self.djangoManifest(python: "bin/python3", workdir: fake.directory.path))
        let config = try OperatorConfig("runner_env: []\n")
        let result = try await reconcile(["--repo", repo.path, "--config", config.path, "--format", "json"])
        #expect(result.status == 3, "\(result.allOutput)")
        #expect(result.stdout.contains("'bin/python3' is not an absolute path"), "\(result.stdout)")
        #expect(!fake.ran)

        let validate = try await reconcile(["validate", "--repo", repo.path, "--config", config.path])
        #expect(validate.status == 1)
        #expect(
            validate.stdout.contains(
                "manifests/trust.yaml:6:22: django.runner.local.python: runs bin/python3 on this host: not allowed: 'bin/python3' is not an absolute path"
            ), "\(validate.stdout)")
    }

    @Test func anInterpreterTheOperatorDidNotListIsRefusedAndOneListedRuns() async throws {
        let fake = try FakePython()
        let repo = try await Self.repository(Self.djangoManifest(python: fake.path, workdir: fake.directory.path))
        let refusing = try OperatorConfig("interpreters: [/usr/bin/python3]\n")
        let refused = try await reconcile(["--repo", repo.path, "--config", refusing.path, "--format", "json"])
        #expect(refused.status == 3, "\(refused.allOutput)")
        #expect(refused.stdout.contains("is not listed under interpreters: in the operator config \(refusing.path)"), "\(refused.stdout)")
        #expect(!fake.ran)

        let allowing = try refusing.scratch.write("allowing.yaml", "interpreters: [\(fake.path)]\n")
        let allowed = try await reconcile(["--repo", repo.path, "--config", allowing, "--format", "json"])
        #expect(allowed.status == 3, "\(allowed.allOutput)")
        #expect(fake.ran)
    }

    @Test func theChildGetsNoDangerousKeyAndNothingOfReconcilesEnvironment() async throws {
        let fake = try FakePython()
        let env =
            #"{ DJANGO_MODE: production, PYTHONSTARTUP: /tmp/evil.py, PYTHONWARNINGS: "ignore::evil.Warning", BROWSER: /tmp/evil, LD_PRELOAD: /tmp/evil.so, "BASH_FUNC_x%%": "() { touch /tmp/evil; }" }"#
        let repo = try await Self.repository(Self.djangoManifest(python: fake.path, workdir: fake.directory.path, env: env))
        // Even an operator who allows every key never lets these through.
        let config = try OperatorConfig("runner_env: [\"*\"]\n")
        let result = try await reconcile(
            ["--repo", repo.path, "--config", config.path, "--format", "json"],
            environment: ["RECONCILE_HEALTH_TOKEN": "tok-must-stay-home", "AWS_SECRET_ACCESS_KEY": "aws-must-stay-home"])
        #expect(result.status == 3, "\(result.allOutput)")
        #expect(fake.ran)
        let names = fake.environment.map { String($0.prefix { $0 != "=" }) }
        #expect(fake.environment.contains("DJANGO_MODE=production"))
        #expect(fake.environment.contains("DJANGO_SETTINGS_MODULE=app.settings"))
        for key in [
            "PYTHONSTARTUP", "PYTHONWARNINGS", "BROWSER", "LD_PRELOAD", "BASH_FUNC_x%%", "RECONCILE_HEALTH_TOKEN", "AWS_SECRET_ACCESS_KEY",
            "HOME",
        ] {
            #expect(!names.contains(key), "\(key) reached the child: \(fake.environment)")
        }
        #expect(!fake.environment.joined().contains("must-stay-home"))
        #expect(result.stderr.contains("runner.local.env.PYTHONSTARTUP is not passed to Python"), "\(result.stderr)")
    }

    /// Whether `pid` is gone: no such process, or a zombie nobody reaps yet.
    static func isGone(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return true }
        return status.contains("State:\tZ")
    }

    static func awaitGone(_ pid: Int32) async throws -> Bool {
        for _ in 0..<100 where !isGone(pid) { try await Task.sleep(for: .milliseconds(50)) }
        return isGone(pid)
    }

    /// A grandchild that blocks SIGTERM and records its pid, then sleeps.
    static func grandchildBody(_ directory: TemporaryDirectory) -> String {
        let pidFile = directory.file("grandchild.pid")
        return "/usr/bin/python3 -c 'import signal, os, time; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM}); "
            + "open(\"\(pidFile).tmp\", \"w\").write(str(os.getpid())); os.rename(\"\(pidFile).tmp\", \"\(pidFile)\"); time.sleep(300)' &\nwait\n"
    }

    static func grandchildPid(_ fake: FakePython) async throws -> Int32? {
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: fake.directory.file("grandchild.pid"), encoding: .utf8) {
                return Int32(text)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    @Test func aGrandchildThatBlocksSIGTERMIsKilledWithItsGroupAtTheDeadline() async throws {
        let fake = try FakePython(body: Self.grandchildBody)
        let repo = try await Self.repository(Self.djangoManifest(python: fake.path, workdir: fake.directory.path, timeout: 1500))
        let config = try OperatorConfig("{}\n")
        let result = try await reconcile(["--repo", repo.path, "--config", config.path, "--format", "json"])
        #expect(result.status == 3, "\(result.allOutput)")
        #expect(result.stdout.contains("did not finish within 1.5"), "\(result.stdout)")
        let pid = try #require(try await Self.grandchildPid(fake))
        #expect(try await Self.awaitGone(pid), "grandchild \(pid) survived the deadline")
    }

    @Test func onSIGTERMReconcileKillsEveryChildsGroupBeforeItEnds() async throws {
        let fake = try FakePython(body: Self.grandchildBody)
        let repo = try await Self.repository(Self.djangoManifest(python: fake.path, workdir: fake.directory.path, timeout: 120_000))
        let config = try OperatorConfig("{}\n")
        let process = try ManagedProcess(
            TestPaths.reconcileBinary, ["--repo", repo.path, "--config", config.path],
            environment: ["XDG_CACHE_HOME": config.scratch.file("cache")])
        defer { process.stop() }
        let pid = try #require(try await Self.grandchildPid(fake))
        kill(process.pid, SIGTERM)
        for _ in 0..<200 where process.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.process.isRunning)
        #expect(process.process.exitStatus == 128 + SIGTERM)
        #expect(try await Self.awaitGone(pid), "grandchild \(pid) survived reconcile's SIGTERM")
    }

    /// Apply mode takes SIGTERM over to undo the action in flight; the children's
    /// groups must still be killed first, or a hung check would hold the apply up.
    @Test func inApplyModeSIGTERMStillKillsEveryChildsGroup() async throws {
        let fake = try FakePython(body: Self.grandchildBody)
        let manifest =
            Self.djangoManifest(python: fake.path, workdir: fake.directory.path, timeout: 120_000) + "\napply:\n  rollback: true\n"
        let repo = try await Self.repository(manifest)
        let config = try OperatorConfig("{}\n")
        let process = try ManagedProcess(
            TestPaths.reconcileBinary, ["--repo", repo.path, "--config", config.path],
            environment: ["XDG_CACHE_HOME": config.scratch.file("cache"), "XDG_STATE_HOME": config.scratch.file("state")])
        defer { process.stop() }
        let pid = try #require(try await Self.grandchildPid(fake))
        kill(process.pid, SIGTERM)
        #expect(try await Self.awaitGone(pid), "grandchild \(pid) survived reconcile's SIGTERM in apply mode")
        for _ in 0..<200 where process.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        try #require(!process.process.isRunning, "the killed check ends the run long before its 120 s deadline")
        #expect(process.process.exitStatus != 0, "\(process.output)")
    }
}

/// A bearer token goes out only from a variable or file the operator config allows.
@Suite struct TokenAllowlistEndToEndTests {
    static let token = "tok-e2e-allowlist-5d1c"

    /// The fixture's /echo answers with the request's headers: a token sent is in the body.
    static let manifest = Manifests.health(
        """
          - name: echo
            url: ${base}/echo
            bearer_token_env: DEPLOY_TOKEN
            expect: { status: 200, body_contains: "Bearer" }
          - name: auth
            url: ${base}/api/health/auth/
            bearer_token_env: DEPLOY_TOKEN
            expect: { status: 200 }
        """)

    @Test func aVariableTheOperatorDidNotAllowIsNeverSentAndOneItAllowedIs() async throws {
        let repo = try await committedRepository(["manifests/prod.yaml": Self.manifest])
        let server = try await offPool { try FixtureHTTPServer(token: Self.token) }
        let allowing = try OperatorConfig("token_env: [DEPLOY_TOKEN]\n")
        let defaults = try allowing.scratch.write("defaults.yaml", "{}\n")
        func statuses(_ config: String) async throws -> [String: String] {
            let result = try await reconcile(
                ["--dry-run", "--repo", repo.path, "--var", "base=\(server.baseURL)", "--config", config, "--format", "json"],
                environment: ["DEPLOY_TOKEN": Self.token])
            let findings = try #require(try result.json()["findings"] as? [[String: Any]])
            return Dictionary(
                uniqueKeysWithValues: findings.compactMap { finding in
                    (finding["resource"] as? String).map { ($0, finding["status"] as? String ?? "") }
                })
        }
        #expect(try await statuses(defaults) == ["echo": "drift", "auth": "drift"])
        #expect(try await statuses(allowing.path) == ["echo": "ok", "auth": "ok"])
    }
}

/// `reconcile validate` lists every field that executes something or reads a secret,
/// with the operator config's decision: a note when allowed, an error when not.
@Suite struct ValidateTrustListingTests {
    static let manifest = """
        apiVersion: reconcile/v1
        kind: Environment
        name: prod
        django:
          runner:
            local: { python: /srv/venv/bin/python3, workdir: /srv/app, env: { DJANGO_DEBUG: "0", PYTHONSTARTUP: /tmp/x } }
          settings_module: app.settings
        health:
          - name: auth
            url: http://127.0.0.1:1/
            bearer_token_env: RECONCILE_HEALTH_TOKEN
            expect: { status: 200 }
          - name: other
            url: http://127.0.0.1:1/
            bearer_token_file: /home/deploy/token
            expect: { status: 200 }
        """

    @Test func everyExecutionAndSecretIsListedWithWhatTheConfigMustSay() async throws {
        let repo = try await TrustBoundaryTests.repository(Self.manifest)
        let config = try OperatorConfig("{}\n")
        let result = try await reconcile(["validate", "--repo", repo.path, "--config", config.path])
        #expect(result.status == 1, "\(result.allOutput)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(result.stdout)")
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "manifests/trust.yaml:6:90: django.runner.local.env.PYTHONSTARTUP: passes PYTHONSTARTUP to the runner's environment: not allowed: PYTHON* variables can make the child execute code"
                )
            }, "\(result.stdout)")
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "manifests/trust.yaml:15:24: health[1].bearer_token_file: reads /home/deploy/token and sends it as a bearer token: not allowed: /home/deploy/token is not inside a directory listed under token_dirs:"
                )
            }, "\(result.stdout)")
        #expect(
            lines.contains(
                "manifests/trust.yaml:6:22: django.runner.local.python: note: runs /srv/venv/bin/python3 on this host (allowed: an absolute path, and the operator config \(config.path) lists no interpreters:)"
            ), "\(result.stdout)")
        #expect(
            lines.contains { $0.hasPrefix("manifests/trust.yaml:6:71: django.runner.local.env.DJANGO_DEBUG: note: passes DJANGO_DEBUG") },
            "\(result.stdout)")
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "manifests/trust.yaml:11:23: health[0].bearer_token_env: note: reads the environment variable RECONCILE_HEALTH_TOKEN")
            }, "\(result.stdout)")

        let json = try await reconcile(["validate", "--repo", repo.path, "--config", config.path, "--format", "json"])
        let trust = try #require(try json.json()["trust"] as? [[String: Any]])
        #expect(trust.count == 5)
        #expect(
            trust.filter { $0["allowed"] as? Bool == false }.compactMap { $0["key"] as? String }.sorted() == [
                "django.runner.local.env.PYTHONSTARTUP", "health[1].bearer_token_file",
            ])

        let github = try await reconcile(["validate", "--repo", repo.path, "--config", config.path, "--format", "github"])
        #expect(github.stdout.components(separatedBy: "::error ").count - 1 == 2, "\(github.stdout)")
        #expect(github.stdout.components(separatedBy: "::notice ").count - 1 == 3, "\(github.stdout)")
    }

    @Test func whatTheOperatorAllowsIsValid() async throws {
        let allowed = Self.manifest.replacingOccurrences(of: ", PYTHONSTARTUP: /tmp/x", with: "")
            .replacingOccurrences(of: "/home/deploy/token", with: "/etc/reconcile/tokens/other")
        let repo = try await TrustBoundaryTests.repository(allowed)
        let config = try OperatorConfig("interpreters: [/srv/venv/bin/python3]\n")
        let result = try await reconcile(["validate", "--repo", repo.path, "--config", config.path])
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(result.stdout.hasPrefix("manifests/trust.yaml: valid (prod: health, django)\n"), "\(result.stdout)")
        #expect(result.stdout.contains("listed under interpreters: in the operator config \(config.path)"))
    }

    @Test func aBadOperatorConfigIsAnErrorWithItsPosition() async throws {
        let repo = try await TrustBoundaryTests.repository(Self.manifest)
        let config = try OperatorConfig("interpreters: /srv/venv/bin/python3\n")
        for command in [["validate"], []] {
            let result = try await reconcile(command + ["--repo", repo.path, "--config", config.path])
            #expect(result.status == 1)
            #expect(result.stderr.contains("\(config.path):1:15: interpreters: expected a list"), "\(result.stderr)")
        }
    }
}
