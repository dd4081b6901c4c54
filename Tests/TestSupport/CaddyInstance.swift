import Foundation

/// A real Caddy (`caddy run --adapter caddyfile`) on free loopback ports for one test,
/// with its own HOME and XDG directories so it writes no state elsewhere; stopped by
/// pid when the test is done.
public final class CaddyInstance: Sendable {
    public let adminPort: Int
    /// The ports `$PORT0`, `$PORT1`, … in the site text were replaced with.
    public let ports: [Int]
    public let scratch: TemporaryDirectory
    public let caddyfilePath: String
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
    public init(caddyfile: String, portCount: Int = 1, files: [String: String] = [:], adminSocket: Bool = false) throws {
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

    public static func substitute(_ text: String, ports: [Int], upstreams: [String] = [], directory: String) -> String {
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
    public let upstreams: [String]

    public let adminSocketPath: String?

    /// The admin endpoint as a manifest spells it.
    public var adminURL: String { adminSocketPath.map { "unix://\($0)" } ?? "http://127.0.0.1:\(adminPort)" }

    /// `http://127.0.0.1:PORT` of the n-th reserved port.
    public func listenURL(_ index: Int = 0) -> String { "http://127.0.0.1:\(ports[index])" }

    /// The pid of the Caddy process, as `ss` and `/proc` show it.
    public var pid: Int32 { process.pid }

    public func stop() { process.stop() }

    deinit { process.stop() }
}

/// Caddy exited while starting (usually: a chosen port was taken by another test).
public struct CaddyStartFailure: Error, CustomStringConvertible {
    public let output: String
    public let caddyfile: String
    public var description: String { "caddy exited while starting: \(output)\n\(caddyfile)" }
}

/// Starts a real Caddy serving `sites` (Caddyfile site blocks, placeholders as in
/// `CaddyInstance.init`) after the global options tests need.
public func startCaddy(
    _ sites: String, portCount: Int = 1, files: [String: String] = [:], adminSocket: Bool = false
) async throws -> CaddyInstance {
    try await startCaddy(
        caddyfile: "{\n\tadmin $ADMIN\n\tauto_https off\n}\n\n" + sites, portCount: portCount, files: files, adminSocket: adminSocket)
}

/// Starts a real Caddy off the cooperative pool, on new ports if the first ones were
/// taken between choosing and binding them.
public func startCaddy(
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
