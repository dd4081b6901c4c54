import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport

@testable import CaddyChecker

#if canImport(Glibc)
    import Glibc
#endif

/// The JSON of a recorded fixture (Tests/Fixtures/caddy/NAME.json).
func fixtureJSON(_ name: String) throws -> Data {
    try Fixtures.data("caddy/\(name).json")
}

/// The route table of a recorded fixture.
func fixtureTable(_ name: String) throws -> CaddyRouteTable {
    try CaddyConfigNormalizer.normalize(try fixtureJSON(name))
}

/// One line per answering route, for readable expectations:
/// `srv0 rims.example.com /media/* strip /media → file_server root /srv/rims/media`.
func lines(_ table: CaddyRouteTable, includeAll: Bool = false) -> [String] {
    table.routes.compactMap { route in
        let kind: String
        switch route.kind {
        case .responder: kind = ""
        case .end: kind = "END "
        case .middleware: kind = "MIDDLEWARE "
        case .groupClaim: kind = "CLAIM "
        }
        if !includeAll && route.kind != .responder { return nil }
        let hosts = route.hosts.isEmpty ? "*" : route.hosts.joined(separator: ",")
        let when = route.conditions.isEmpty ? "" : " [" + route.conditions.joined(separator: " ") + "]"
        return "\(route.server) \(hosts) \(kind)\(route.path)\(when) "
            + CaddyText.describe(route.handler, strip: route.stripPrefix)
    }
}

/// A desired-state source over a plain directory: checker-level tests need one for the
/// `ObservationContext` (and the Caddyfile tests read from it). The origin is decoded
/// from JSON because `SourceOrigin` has no public memberwise initialiser.
struct DirectorySource: DesiredStateSource {
    let root: String
    let origin: SourceOrigin

    init(root: String) throws {
        self.root = root
        origin = try JSONDecoder().decode(
            SourceOrigin.self, from: Data(#"{"repo":"test","ref":"worktree","worktree":true}"#.utf8))
    }

    func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: "\(root)/\(path)") else {
            throw TestSupportError("no such file \(path)")
        }
        return data
    }

    func list(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(directory)").sorted()
    }
}

/// A dry-run context (the HTTP client refuses anything but GET and HEAD).
func dryRunContext(root: String?) throws -> ObservationContext {
    let directory = try root ?? TemporaryDirectory(prefix: "reconcile-caddy-src").path
    return dryRunContext(source: try DirectorySource(root: directory), environment: ProcessInfo.processInfo.environment)
}

/// The `caddy:` spec of a manifest holding `caddySection` (after `variables`).
func decodeSpec(_ caddySection: String, variables: String = "") async throws -> CaddySpec {
    try decode(CaddySpec.self, yaml: variables + caddySection)
}

/// Errors of decoding a manifest holding `caddySection`, as "line:column: key: message".
func decodeErrors(_ caddySection: String) -> [String] {
    decodingErrors(CaddySpec.self, yaml: caddySection)
}

/// Observes and compares, as a run does.
func check(_ spec: CaddySpec, root: String? = nil) async throws -> [Finding] {
    let checker = CaddyChecker()
    let observation = try await checker.observe(spec, in: try dryRunContext(root: root))
    return checker.compare(spec, with: observation)
}

/// Observes and compares a manifest's `caddy:` section.
func check(_ section: String, root: String? = nil) async throws -> [Finding] {
    try await check(try await decodeSpec(section), root: root)
}

/// A compact view of findings for failure messages.
func summary(_ findings: [Finding]) -> String {
    findings.map { "\($0.status) \($0.resource): \($0.message)" }.joined(separator: "\n")
}

/// A git repository made for one test, holding `files` in one commit.
func makeConfigRepository(_ files: [String: String]) async throws -> ScratchRepository {
    try await offPool { try ScratchRepository(files: files) }
}

/// A config repository holding `files` and `manifests/edge.yaml`, whose `caddy:` section
/// names `caddy`'s admin API and the committed `caddyfile` as the desired state.
func caddyfileRepository(
    _ caddy: CaddyInstance, caddyfile: String = "deploy/Caddyfile", files: [String: String]
) async throws -> ScratchRepository {
    var all = files
    all["manifests/edge.yaml"] =
        "apiVersion: reconcile/v1\nkind: Environment\ncaddy:\n  admin: \(caddy.adminURL)\n  caddyfile: \(caddyfile)\n"
    return try await makeConfigRepository(all)
}

/// `caddy adapt` of `text` as a run does it, in this process's environment; its imports
/// are read below `root`.
func adaptCaddyfile(_ text: String, path: String = "Caddyfile", root: String? = nil) async throws -> CaddyfileOutcome.Result {
    await CaddyAdapter.adapt(
        Data(text.utf8), path: path, source: try root.map(DirectorySource.init), environment: ProcessInfo.processInfo.environment)
}

extension CaddyInstance {
    /// `text` (a committed Caddyfile) with this instance's admin address for `$ADMIN`, and
    /// its ports and directory substituted.
    func committed(_ text: String) -> String {
        let admin = adminSocketPath.map { "unix/\($0)" } ?? "127.0.0.1:\(adminPort)"
        return CaddyInstance.substitute(
            text.replacingOccurrences(of: "$ADMIN", with: admin), ports: ports, directory: scratch.path)
    }
}

extension CaddyfileOutcome.Result {
    /// The adapted JSON; a failure fails the test, quoting it (after `context`).
    func json(_ context: String = "") throws -> Data {
        guard case .adapted(let json) = self else { throw TestSupportError("\(context)\(self)") }
        return json
    }

    /// Why adapting failed; adapted JSON fails the test.
    func failure() throws -> String {
        guard case .failed(let message) = self else { throw TestSupportError("adapted, expected a failure: \(self)") }
        return message
    }
}

/// The outcome of one `reconcile` run: its exit status and its JSON report's findings.
struct CLIRun {
    let status: Int32
    let findings: [[String: Any]]
    let stdout: String
    let stderr: String

    /// Findings of the caddy checker as "status resource".
    var caddy: [String] {
        findings.filter { $0["checker"] as? String == "caddy" }.map { "\($0["status"] ?? "?") \($0["resource"] ?? "?")" }
    }

    func message(of resource: String) -> String? {
        findings.first { $0["resource"] as? String == resource }?["message"] as? String
    }
}

/// Runs the built `reconcile` binary in dry-run with a JSON report.
func runReconcile(
    repo: String, manifest: String, extra: [String] = [], environment: [String: String?] = [:]
) async throws -> CLIRun {
    try await offPool {
        let result = try run(
            TestPaths.reconcileBinary,
            ["--repo", repo, "--manifest", manifest, "--dry-run", "--format", "json"] + extra, environment: environment)
        let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return CLIRun(
            status: result.status, findings: object?["findings"] as? [[String: Any]] ?? [], stdout: result.stdout,
            stderr: result.stderr)
    }
}

extension CLIRun: @unchecked Sendable {}
