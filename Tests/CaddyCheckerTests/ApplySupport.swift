import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport

@testable import CaddyChecker

/// One run of the built `reconcile` against a config repository, with its JSON report
/// read back, and a state directory of its own.
struct ApplyRun: @unchecked Sendable {
    let status: Int32
    let report: [String: Any]
    let stdout: String
    let stderr: String

    var findings: [[String: Any]] { report["findings"] as? [[String: Any]] ?? [] }
    var actions: [[String: Any]] { report["actions"] as? [[String: Any]] ?? [] }

    /// "status action" per action, for readable expectations.
    var actionLines: [String] { actions.map { "\($0["status"] ?? "?") \($0["action"] ?? "?")" } }
    var drift: [String] { findings.filter { $0["status"] as? String == "drift" }.map { "\($0["resource"] ?? "?")" } }
}

/// The arguments of a run on `repo` with `manifest`, journaling under `state`.
func applyArguments(repo: String, state: String, dryRun: Bool = false, extra: [String] = []) -> [String] {
    [
        "--repo", repo, "--manifest", "manifests/production.yaml", "--format", "json",
        "--journal", state + "/journal.jsonl",
    ] + (dryRun ? ["--dry-run"] : []) + extra
}

/// Runs `reconcile` (apply mode unless `dryRun`) to completion; `environment` is added to its own.
func reconcileRun(
    repo: String, state: String, dryRun: Bool = false, extra: [String] = [], environment: [String: String] = [:]
) async throws -> ApplyRun {
    let arguments = applyArguments(repo: repo, state: state, dryRun: dryRun, extra: extra)
    return try await offPool {
        let result = try run(
            TestPaths.reconcileBinary, arguments, environment: environment.merging(["XDG_STATE_HOME": state]) { $1 })
        let report = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        return ApplyRun(status: result.status, report: report, stdout: result.stdout, stderr: result.stderr)
    }
}

/// A config repository holding `manifests/production.yaml` (and any other files).
func applyRepository(_ manifest: String, files: [String: String] = [:]) async throws -> ScratchRepository {
    var all = files
    all["manifests/production.yaml"] = "apiVersion: reconcile/v1\nkind: Environment\n" + manifest
    return try await makeConfigRepository(all)
}

/// The running config's exact bytes, as `GET /config/` gives them. Asked up to three
/// times: on a machine busy with builds, one answer can miss the admin timeout.
func liveConfig(_ caddy: CaddyInstance) async throws -> Data {
    let endpoint = try HTTPEndpoint(parsing: caddy.adminURL)
    var last: AdminOutcome?
    for _ in 0..<3 {
        let (outcome, _) = await CaddyChecker.readConfig(endpoint, client: HTTPClient(policy: .readOnly))
        if case .config(let data) = outcome { return data }
        last = outcome
    }
    throw TestSupportError("no config from \(caddy.adminURL): \(String(describing: last))")
}

/// The JSON value at an admin path (`/config/apps/…`), as text.
func liveValue(_ caddy: CaddyInstance, _ path: String) async throws -> String {
    try await sendToAdmin(caddy, path).bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A request to Caddy's admin API at `path` (with `json` as its body), sent again for up to
/// a minute after a refused connection, and after a reset one when sending it twice does
/// what sending it once does (GET, PATCH, `POST /load`; not PUT, which inserts, or DELETE):
/// Caddy replaces its admin server after every config change and closes the old one
/// asynchronously, so a connection opened just after a change can meet the old one closing.
func sendToAdmin(_ caddy: CaddyInstance, _ path: String, method: String = "GET", json: Data? = nil) async throws -> HTTPResponse {
    var request = try HTTPEndpoint(parsing: caddy.adminURL).request(path, method: method)
    if let json {
        request.body = json
        request.headers = [HTTPHeader("Content-Type", "application/json")]
    }
    // Generous: loading a config on a loaded machine is slow, not wrong.
    request.timeout = .seconds(60)
    let client = HTTPClient(policy: method == "GET" ? .readOnly : .apply)
    let idempotent = ["GET", "PATCH"].contains(method) || (method == "POST" && path == "/load")
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
        do {
            return try await client.send(request)
        } catch {
            let again = error.kind == .connectionRefused || (error.kind == .transport && idempotent)
            guard again, ContinuousClock.now < deadline else { throw error }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// The journal's lines, decoded.
func journalLines(_ state: String) -> [[String: Any]] {
    guard let text = try? String(contentsOfFile: state + "/journal.jsonl", encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
}

/// A GET through Caddy with a Host header: the status and body.
func fetchThrough(_ caddy: CaddyInstance, host: String, path: String) async throws -> (Int, String) {
    var request = HTTPRequest(url: caddy.listenURL() + path)
    request.headers = [HTTPHeader("Host", host)]
    let response = try await HTTPClient(policy: .readOnly).send(request)
    return (response.status, response.bodyText)
}

/// Tests/Fixtures/docker/recording_proxy.py in front of `caddy`'s admin socket: it logs
/// every request line, and with `meddling` it changes the config at that admin path
/// before each change it forwards (someone else's change, at the worst moment).
struct AdminProxy {
    let scratch: TemporaryDirectory
    let socket: String
    let log: String
    let process: ManagedProcess
    let adminURL: String

    init(_ caddy: CaddyInstance, meddling path: String? = nil) async throws {
        scratch = try TemporaryDirectory(prefix: "reconcile-apply-proxy")
        let socket = scratch.file("admin-proxy.sock")
        (self.socket, log, adminURL) = (socket, scratch.file("requests.log"), caddy.adminURL)
        process = try ManagedProcess(
            TestPaths.python,
            [
                TestPaths.fixture("docker/recording_proxy.py"), "--listen", socket, "--upstream", caddy.adminSocketPath ?? "",
                "--log", log,
            ] + (path.map { ["--meddle", $0] } ?? []))
        try await offPool { try waitUntil("the proxy socket") { isListening(unixSocket: socket) } }
    }

    /// `manifest` with Caddy's admin address replaced by the proxy's socket.
    func manifest(_ manifest: String) -> String {
        manifest.replacingOccurrences(of: "admin: \(adminURL)", with: "admin: unix://\(socket)")
    }

    /// The request lines seen so far.
    func requests() throws -> [Substring] { try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") }
}
