import DockerChecker
import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport

@testable import HostChecker

/// Runs the host checker (and the Docker checker it reads) through the real decoder and
/// reconciler on a manifest, as `reconcile` does; returns the host findings.
func hostFindings(_ yaml: String) async throws -> [Finding] {
    let registry = CheckerRegistry(checkers: [HostChecker.self, DockerChecker.self])
    let checks = try ManifestDecoder(registry: registry).decode(
        "apiVersion: reconcile/v1\nkind: Environment\n" + yaml, file: "host-\(UUID()).yaml"
    ).checks
    return await Reconciler(checkDeadline: .seconds(60)).run(checks, context: dryRunContext(), only: ["host"])
}

/// A process listening on a free port of `address` (127.0.0.1, ::1, or :: with
/// `ipv6Only` set or cleared): a copy of the Python interpreter under `name`, which is
/// what /proc shows for it. Stopped by pid.
final class Listener: Sendable {
    let port: Int
    let process: RenamedProcess

    init(address: String = "127.0.0.1", named name: String, ipv6Only: Bool? = nil) throws {
        let script = """
            import socket, sys, time
            family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
            s = socket.socket(family, socket.SOCK_STREAM)
            if sys.argv[2] != "default": s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(sys.argv[2]))
            s.bind((sys.argv[1], 0)); s.listen(16)
            print("port", s.getsockname()[1], flush=True)
            time.sleep(600)
            """
        let v6only = ipv6Only.map { $0 ? "1" : "0" } ?? "default"
        process = try RenamedProcess(TestPaths.python, as: name, ["-c", script, address, v6only])
        let started = process.process
        try waitUntil("a listener on \(address)") { started.output.contains("\n") || !started.process.isRunning }
        let printed = started.output.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = printed.flatMap({ Int($0) }) else { throw TestSupportError("the listener did not start: \(started.output)") }
        self.port = port
    }
}

/// A real Caddy serving one site bound to 127.0.0.1 on a free port, with no admin API.
func startSiteCaddy() async throws -> CaddyInstance {
    try await startCaddy(caddyfile: "{\n\tadmin off\n\tauto_https off\n}\n\nhttp://127.0.0.1:$PORT0 {\n\tbind 127.0.0.1\n\trespond ok\n}\n")
}
