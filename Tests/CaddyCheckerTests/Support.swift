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

/// A real Caddy (`caddy run --adapter caddyfile`) on free loopback ports for one test,
/// with its own HOME and XDG directories so it writes no state elsewhere; stopped by
/// pid when the test is done.
final class CaddyInstance: Sendable {
    let adminPort: Int
    /// The ports `$PORT0`, `$PORT1`, … in the site text were replaced with.
    let ports: [Int]
    let scratch: TemporaryDirectory
    let caddyfilePath: String
    private let process: ManagedProcess

    /// - Parameters:
    ///   - caddyfile: a whole Caddyfile whose global options say `admin $ADMIN` and
    ///     `auto_https off`: `$ADMIN` becomes the admin address, `$PORT0`…`$PORT9` free
    ///     ports, `$DIR` this instance's scratch directory (for roots), and `$UP0`…`$UP9`
    ///     distinct `127.0.0.1:PORT` upstream addresses on free ports (`upstreams`).
    ///   - portCount: how many ports to reserve.
    ///   - files: files to create under the scratch directory before starting (files the
    ///     Caddyfile imports among them), with the same placeholders replaced.
    ///   - adminSocket: serve the admin API on a unix socket (`adminSocketPath`) instead
    ///     of a TCP port.
    init(caddyfile: String, portCount: Int = 1, files: [String: String] = [:], adminSocket: Bool = false) throws {
        scratch = try TemporaryDirectory(prefix: "reconcile-caddy")
        adminPort = try freeLoopbackPort()
        adminSocketPath = adminSocket ? scratch.file("admin.sock") : nil
        let texts = [caddyfile] + files.values
        func count(_ placeholder: String) -> Int {
            (0..<10).filter { index in texts.contains { $0.contains("\(placeholder)\(index)") } }.map { $0 + 1 }.max() ?? 0
        }
        let upstreamCount = count("$UP")
        // Every `$PORTn` the text names gets a port (a corpus file may have several servers).
        let portCount = max(portCount, count("$PORT"))
        var ports: [Int] = []
        while ports.count < portCount + upstreamCount {
            let port = try freeLoopbackPort()
            if port != adminPort && !ports.contains(port) { ports.append(port) }
        }
        self.ports = Array(ports.prefix(portCount))
        upstreams = ports.dropFirst(portCount).map { "127.0.0.1:\($0)" }
        let admin = adminSocketPath.map { "unix/\($0)" } ?? "127.0.0.1:\(adminPort)"
        let (reserved, upstreams, directory) = (self.ports, upstreams, scratch.path)
        func substituted(_ text: String) -> String {
            Self.substitute(
                text.replacingOccurrences(of: "$ADMIN", with: admin), ports: reserved, upstreams: upstreams, directory: directory)
        }
        for (path, contents) in files { try scratch.write(path, substituted(contents)) }
        let text = substituted(caddyfile)
        caddyfilePath = try scratch.write("Caddyfile", text)
        let home = scratch.file("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        process = try ManagedProcess(
            "caddy", ["run", "--config", caddyfilePath, "--adapter", "caddyfile"],
            environment: [
                "HOME": home, "XDG_DATA_HOME": "\(home)/data", "XDG_CONFIG_HOME": "\(home)/config",
            ],
            workingDirectory: scratch.path)
        // Caddy logs this once its admin API and every listener are bound; a port taken
        // meanwhile by another test makes it exit instead (then `startCaddy` retries).
        let process = self.process
        try waitUntil("caddy to serve its config") {
            process.output.contains("serving initial configuration") || !process.process.isRunning
        }
        guard process.process.isRunning else {
            throw CaddyStartFailure(output: process.output, caddyfile: text)
        }
    }

    static func substitute(_ text: String, ports: [Int], upstreams: [String] = [], directory: String) -> String {
        var result = text.replacingOccurrences(of: "$DIR", with: directory)
        for (index, port) in ports.enumerated().reversed() {
            result = result.replacingOccurrences(of: "$PORT\(index)", with: String(port))
        }
        for (index, upstream) in upstreams.enumerated().reversed() {
            result = result.replacingOccurrences(of: "$UP\(index)", with: upstream)
        }
        return result
    }

    /// The addresses `$UP0`, `$UP1`, … were replaced with.
    let upstreams: [String]

    let adminSocketPath: String?

    /// The admin endpoint as a manifest spells it.
    var adminURL: String { adminSocketPath.map { "unix://\($0)" } ?? "http://127.0.0.1:\(adminPort)" }

    /// `http://127.0.0.1:PORT` of the n-th reserved port.
    func listenURL(_ index: Int = 0) -> String { "http://127.0.0.1:\(ports[index])" }

    func stop() { process.stop() }

    deinit { process.stop() }
}

/// Runs blocking work (starting a server, waiting for a subprocess) on a dispatch
/// thread, so parallel tests never block the cooperative pool.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// Caddy exited while starting (usually: a chosen port was taken by another test).
struct CaddyStartFailure: Error, CustomStringConvertible {
    let output: String
    let caddyfile: String
    var description: String { "caddy exited while starting: \(output)\n\(caddyfile)" }
}

/// Starts a real Caddy serving `sites` (Caddyfile site blocks, placeholders as in
/// `CaddyInstance.init`) after the global options tests need.
func startCaddy(
    _ sites: String, portCount: Int = 1, files: [String: String] = [:], adminSocket: Bool = false
) async throws -> CaddyInstance {
    try await startCaddy(
        caddyfile: "{\n\tadmin $ADMIN\n\tauto_https off\n}\n\n" + sites, portCount: portCount, files: files, adminSocket: adminSocket)
}

/// Starts a real Caddy off the cooperative pool, on new ports if the first ones were
/// taken between choosing and binding them.
func startCaddy(
    caddyfile: String, portCount: Int = 1, files: [String: String] = [:], adminSocket: Bool = false
) async throws -> CaddyInstance {
    try await offPool {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try CaddyInstance(caddyfile: caddyfile, portCount: portCount, files: files, adminSocket: adminSocket)
            } catch let failure as CaddyStartFailure where attempt < 3 && failure.output.contains("address already in use") {
                continue
            }
        }
    }
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
