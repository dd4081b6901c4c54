import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The external checkers contrib/checks ships, run by the built `reconcile` against real
/// services: a TLS server (Python's ssl) with certificates `openssl req -x509` makes here,
/// and a private PostgreSQL cluster from Debian's packages. The exchange goes through
/// Tests/Fixtures/plugins/tee.py, which records both sides, so the real traffic is
/// validated against docs/plugin-protocol.schema.json.
@Suite struct ContribCheckTests {
    static let checks = TestPaths.repositoryRoot + "/contrib/checks"

    /// A config repository declaring `name` as a plugin that runs the contrib checker
    /// through tee.py (recording into `traffic`), with `section` as its spec.
    static func repository(_ name: String, section: String, traffic: TemporaryDirectory) async throws -> ScratchRepository {
        let tee = try String(contentsOfFile: TestPaths.fixture("plugins/tee.py"), encoding: .utf8)
        let manifest = """
            apiVersion: reconcile/v1
            kind: Environment
            plugins:
              - name: \(name)
                command: [/usr/bin/python3, checks/tee.py, "\(checks)/reconcile-check-\(name)", "\(traffic.path)"]
            \(name):
            \(section)
            """
        return try await offPool { try ScratchRepository(files: ["checks/tee.py": tee, "manifests/m.yaml": manifest]) }
    }

    /// Runs the dry run; checks that what went both ways follows the protocol's schema.
    static func run(_ repo: ScratchRepository, allowing name: String, traffic: TemporaryDirectory) async throws
        -> (status: Int32, findings: [[String: Any]])
    {
        let config = try traffic.write("config.yaml", "plugins: [\(name)]\n")
        let result = try await reconcile(["--dry-run", "--repo", repo.path, "--config", config, "--format", "json"])
        #expect(try await ExternalCheckerTests.protocolErrors(traffic.file("request.json"), "request") == [])
        #expect(try await ExternalCheckerTests.protocolErrors(traffic.file("answer.json"), "answer") == [])
        return (result.status, try ExternalCheckerTests.findings(result))
    }

    static func summary(_ findings: [[String: Any]]) -> [String] {
        findings.map { "\($0["resource"] as? String ?? "?") \($0["status"] as? String ?? "?")" }
    }

    // MARK: tls-expiry

    /// A TLS server on a free port presenting a certificate valid for `days`.
    static func tlsServer(days: Int, in directory: TemporaryDirectory) throws -> (ManagedProcess, Int) {
        let key = directory.file("key-\(days).pem")
        let certificate = directory.file("cert-\(days).pem")
        _ = try runChecked(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "\(days)", "-subj",
                "/CN=localhost",
            ])
        let reserved = try ReservedPort(forAServer: true)
        let port = reserved.port
        let server = try ManagedProcess(
            TestPaths.python, [TestPaths.fixture("tls/serve.py"), certificate, key, "\(port)"], holding: [reserved])
        try server.waitUntilReady("the TLS server on \(port)") { isListening(port: port) }
        return (server, port)
    }

    @Test func tlsExpiryMeasuresTheCertificatesOfTheHealthURLsHosts() async throws {
        let scratch = try TemporaryDirectory(prefix: "reconcile-tls")
        let (shortLived, short) = try await offPool { try Self.tlsServer(days: 1, in: scratch) }
        let (longLived, long) = try await offPool { try Self.tlsServer(days: 400, in: scratch) }
        let closed = try ReservedPort()
        let repo = try await Self.repository(
            "tls-expiry",
            section: """
                  urls: ["https://127.0.0.1:\(short)/api/health/", "https://127.0.0.1:\(short)/api/health/auth/",
                         "https://127.0.0.1:\(long)/", "https://127.0.0.1:\(closed.port)/"]
                  min_days: 14
                """, traffic: scratch)
        let (status, findings) = try await Self.run(repo, allowing: "tls-expiry", traffic: scratch)
        #expect(status == 2)
        #expect(
            Self.summary(findings) == [
                "127.0.0.1:\(short) drift", "127.0.0.1:\(long) ok", "127.0.0.1:\(closed.port) unknown",
            ])
        #expect(findings[0]["message"] as? String == "the certificate expires within a day")
        #expect((findings[0]["observed"] as? String)?.hasPrefix("0 days left (until ") == true)
        #expect((findings[1]["observed"] as? String)?.hasPrefix("399 days left") == true, "\(findings[1])")
        #expect((findings[0]["fix"] as? [String: Any])?["language"] as? String == "shell")
        #expect(findings[2]["message"] as? String == "could not read the certificate: Connection refused")
        withExtendedLifetime((shortLived, longLived)) {}
    }

    // MARK: postgres

    @Test func postgresAnswersHasTheVersionAndTheDatabase() async throws {
        let cluster = try await offPool { try PostgresCluster.shared() }
        let scratch = try TemporaryDirectory(prefix: "reconcile-pg")
        let repo = try await Self.repository(
            "postgres", section: "  port: \(cluster.port)\n  database: rims\n  min_version: \"15\"", traffic: scratch)
        let (status, findings) = try await Self.run(repo, allowing: "postgres", traffic: scratch)
        #expect(status == 0, "\(findings)")
        #expect(Self.summary(findings) == ["127.0.0.1:\(cluster.port) ok", "version ok", "database rims ok"])
        #expect((findings[0]["observed"] as? String)?.hasPrefix("PostgreSQL 15") == true)
    }

    @Test func postgresReportsAMissingDatabaseAndAnOldVersionAsDrift() async throws {
        let cluster = try await offPool { try PostgresCluster.shared() }
        let scratch = try TemporaryDirectory(prefix: "reconcile-pg")
        let repo = try await Self.repository(
            "postgres", section: "  port: \(cluster.port)\n  database: nowhere\n  min_version: \"99.1\"", traffic: scratch)
        let (status, findings) = try await Self.run(repo, allowing: "postgres", traffic: scratch)
        #expect(status == 2)
        #expect(Self.summary(findings) == ["127.0.0.1:\(cluster.port) ok", "version drift", "database nowhere drift"])
        let fix = try #require(findings[2]["fix"] as? [String: Any])
        #expect(fix["snippet"] as? String == "createdb -h 127.0.0.1 -p \(cluster.port) -U postgres nowhere")
    }

    @Test func postgresThatDoesNotAnswerIsUnknown() async throws {
        let closed = try ReservedPort()
        let scratch = try TemporaryDirectory(prefix: "reconcile-pg")
        let repo = try await Self.repository("postgres", section: "  port: \(closed.port)\n  database: rims", traffic: scratch)
        let (status, findings) = try await Self.run(repo, allowing: "postgres", traffic: scratch)
        #expect(status == 3)
        #expect(Self.summary(findings) == ["127.0.0.1:\(closed.port) unknown", "version unknown", "database rims unknown"])
        #expect((findings[0]["message"] as? String)?.contains("does not answer") == true, "\(findings[0])")
    }

    @Test func validateChecksTheContribSectionsAgainstTheirSchemas() async throws {
        let repo = try await offPool {
            try ScratchRepository(files: [
                "manifests/m.yaml": """
                apiVersion: reconcile/v1
                kind: Environment
                tls-expiry:
                  urls: ["http://example.com/"]
                  min_days: two weeks
                postgres:
                  database: rims
                  port: 70000
                """
            ])
        }
        let failing = try await reconcile(["validate", "--repo", repo.path, "--plugin-dir", Self.checks])
        #expect(failing.status == 1)
        #expect(
            failing.stdout.contains("manifests/m.yaml:4:10: tls-expiry.urls[0]: string 'http://example.com/' does not match ^https://"),
            "\(failing.stdout)")
        #expect(failing.stdout.contains("manifests/m.yaml:5:13: tls-expiry.min_days: expected integer, found string 'two weeks'"))
        #expect(failing.stdout.contains("manifests/m.yaml:8:9: postgres.port: number 70000 must be at most 65535"))
        try repo.commit([
            "manifests/m.yaml":
                "apiVersion: reconcile/v1\nkind: Environment\ntls-expiry:\n  urls: [\"https://example.com/\"]\npostgres:\n  database: rims\n"
        ])
        let passing = try await reconcile(["validate", "--repo", repo.path, "--plugin-dir", Self.checks])
        #expect(passing.status == 0, "\(passing.allOutput)")
    }
}

/// One private PostgreSQL cluster for the whole test process (initdb takes seconds): made
/// with Debian's initdb as the `postgres` user (the server refuses to run as root) in a
/// fresh directory, listening on a free port of 127.0.0.1, with the database `rims`;
/// stopped by its pid when the process exits.
final class PostgresCluster: Sendable {
    let port: Int
    private let server: ManagedProcess
    private let directory: String

    private static let instance = Mutex<Result<PostgresCluster, TestSupportError>?>(nil)

    static func shared() throws -> PostgresCluster {
        try instance.withLock { slot in
            if slot == nil {
                slot = Result { () throws(TestSupportError) in try PostgresCluster() }
                if case .success = slot { atexit { PostgresCluster.stopAtExit() } }
            }
            return try slot!.get()
        }
    }

    private static func stopAtExit() {
        guard case .success(let cluster) = instance.withLock({ $0 }) else { return }
        cluster.server.stop()
        try? FileManager.default.removeItem(atPath: cluster.directory)
    }

    private init() throws(TestSupportError) {
        do {
            let binaries = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").sorted().last
                .map { "/usr/lib/postgresql/\($0)/bin" }
            guard let binaries, let user = getpwnam("postgres") else {
                throw TestSupportError("PostgreSQL is not installed (scripts/setup installs Debian's postgresql)")
            }
            directory = try TemporaryDirectory.make(prefix: "reconcile-pg")
            guard chown(directory, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
                throw TestSupportError("chown \(directory) failed: errno \(errno)")
            }
            let asPostgres = ["--reuid=postgres", "--regid=postgres", "--clear-groups", "--"]
            _ = try runChecked(
                "setpriv",
                asPostgres + [
                    binaries + "/initdb", "-D", directory + "/data", "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8",
                    "--no-sync",
                ])
            port = try freeLoopbackPort()
            server = try ManagedProcess(
                "/usr/bin/setpriv",
                asPostgres + [
                    binaries + "/postgres", "-D", directory + "/data", "-p", "\(port)", "-k", directory, "-c", "listen_addresses=127.0.0.1",
                    "-c", "fsync=off",
                ], workingDirectory: directory)
            let (server, port) = (server, port)
            do {
                try server.waitUntilReady("PostgreSQL on \(port)") { isListening(port: port) }
                _ = try runChecked(
                    "psql", ["-X", "-q", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-c", "create database rims"])
            } catch {
                server.stop()
                throw error
            }
        } catch let error as TestSupportError {
            throw error
        } catch {
            throw TestSupportError("\(error)")
        }
    }
}
