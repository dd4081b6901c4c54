import Foundation
import TestSupport
import Testing

/// Runs the built `reconcile` with a clean, predictable environment: no token, no
/// colour preference, caches in a throwaway place, and (as for every command a test runs)
/// a state directory of this test process's own. `environment` adds to it.
/// `runner` runs something else with the same environment (`script` for a terminal).
func reconcile(
    _ arguments: [String], environment: [String: String?] = [:], workingDirectory: String? = nil,
    runner: String? = nil
) async throws -> CommandResult {
    var base: [String: String?] = [
        "RECONCILE_HEALTH_TOKEN": nil, "NO_COLOR": nil, "GITHUB_STEP_SUMMARY": nil,
        "XDG_CACHE_HOME": NSTemporaryDirectory() + "reconcile-e2e-cache",
    ]
    base.merge(ScratchRepository.environment) { $1 }
    base.merge(environment) { $1 }
    let executable = runner ?? TestPaths.reconcileBinary
    let environment = base
    return try await offPool { try run(executable, arguments, environment: environment, workingDirectory: workingDirectory) }
}

/// A new repository with `files` committed, made off the cooperative pool.
func committedRepository(_ files: [String: String]) async throws -> ScratchRepository {
    try await offPool { try ScratchRepository(files: files) }
}

/// A pull request for `plan`: the commit tagged `base` holds `base`, and HEAD, the next
/// commit, writes `head` over it (a nil content deletes the file).
func pullRequestRepository(base: [String: String], head: [String: String?]) async throws -> ScratchRepository {
    try await offPool {
        let repo = try ScratchRepository(files: base)
        try repo.git("tag", "base")
        try repo.commit(head)
        return repo
    }
}

/// An operator config (`--config`) holding `text`, in a directory that lives as long as
/// the value (also a place for the other files a test writes).
struct OperatorConfig {
    let scratch: TemporaryDirectory
    let path: String

    init(_ text: String) throws {
        scratch = try TemporaryDirectory(prefix: "reconcile-operator")
        path = try scratch.write("config.yaml", text)
    }
}

/// A manifest of health checks against `base` (passed with --var base=...).
enum Manifests {
    static func health(_ checks: String, name: String = "e2e") -> String {
        """
        apiVersion: reconcile/v1
        kind: Environment
        name: \(name)
        vars:
          base: http://127.0.0.1:1
        health:
        \(checks)
        """
    }

    /// Three checks that pass against a FixtureHTTPServer started with the token.
    static let inSync = health(
        """
          - name: api
            url: ${base}/api/health/
            expect: { status: 200, body_contains: '"ok"' }
          - name: api-auth
            url: ${base}/api/health/auth/
            bearer_token_env: RECONCILE_HEALTH_TOKEN
            expect: { status: 200 }
          - name: api-auth-rejects-anonymous
            url: ${base}/api/health/auth/
            expect: { status: 401 }
        """)

    /// One check that drifts: the backend answers 502.
    static let drifting = health(
        """
          - name: api
            url: ${base}/status/502
            expect: { status: 200 }
        """)

    /// One check a dry run cannot send (POST): nothing observed, nothing drifted.
    static let unobservable = health(
        """
          - name: warmup
            url: ${base}/echo
            method: POST
            expect: { status: 200 }
        """)
}

extension CommandResult {
    /// Everything the process wrote.
    var allOutput: String { stdout + stderr }

    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        return try #require(object as? [String: Any], "stdout is not a JSON object: \(stdout)")
    }
}
