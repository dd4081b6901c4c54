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
        adminSocketPath = adminSocket ? scratch.file("admin.sock") : nil
        let texts = [caddyfile] + files.values
        func count(_ placeholder: String) -> Int {
            (0..<10).filter { index in texts.contains { $0.contains("\(placeholder)\(index)") } }.map { $0 + 1 }.max() ?? 0
        }
        let upstreamCount = count("$UP")
        // Every `$PORTn` the text names gets a port (a corpus file may have several servers).
        let portCount = max(portCount, count("$PORT"))
        // Held until this instance is gone: Caddy binds them beside the reservations, and
        // nothing else can meanwhile (a dead `$UPn` stays dead, a restart finds its ports).
        let reservations = try (0...(portCount + upstreamCount)).map { _ in try ReservedPort(forAServer: true) }
        let ports = reservations.map(\.port)
        adminPort = ports[0]
        self.ports = Array(ports[1..<(1 + portCount)])
        upstreams = ports.dropFirst(portCount + 1).map { "127.0.0.1:\($0)" }
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
            workingDirectory: scratch.path, holding: reservations)
        // Caddy logs this once `caddy run` has loaded the config: its HTTP app binds every
        // listener before the load returns, so the sites accept from then on. The admin
        // endpoint (unless the Caddyfile turns it off) is what tests ask first.
        let (process, adminPort, adminSocket) = (self.process, adminPort, adminSocketPath)
        let hasAdmin = caddyfile.contains("$ADMIN")
        try process.waitUntilReady("caddy to serve its config") {
            process.output.contains("serving initial configuration")
                && (!hasAdmin || (adminSocket.map { isListening(unixSocket: $0) } ?? isListening(port: adminPort)))
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

/// Starts a real Caddy serving `sites` (Caddyfile site blocks, placeholders as in
/// `CaddyInstance.init`) after the global options tests need.
public func startCaddy(
    _ sites: String, portCount: Int = 1, files: [String: String] = [:], adminSocket: Bool = false
) async throws -> CaddyInstance {
    try await startCaddy(
        caddyfile: "{\n\tadmin $ADMIN\n\tauto_https off\n}\n\n" + sites, portCount: portCount, files: files, adminSocket: adminSocket)
}

/// Starts a real Caddy off the cooperative pool.
public func startCaddy(
    caddyfile: String, portCount: Int = 1, files: [String: String] = [:], adminSocket: Bool = false
) async throws -> CaddyInstance {
    try await offPool { try CaddyInstance(caddyfile: caddyfile, portCount: portCount, files: files, adminSocket: adminSocket) }
}
