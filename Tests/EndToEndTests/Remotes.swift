import Foundation
import TestSupport
import Testing

/// A real git remote over smart HTTP (git's own http-backend behind
/// Tests/Fixtures/servers/git_http_server.py) that can be made to hang: from `hang()` on,
/// it accepts every connection and never answers.
final class GitHTTPRemote: Sendable {
    let port: Int
    private let root: TemporaryDirectory
    private let hangFlag: String
    private let process: ManagedProcess

    /// Serves a bare clone of `repository` as `/config.git`.
    init(serving repository: ScratchRepository) throws {
        root = try TemporaryDirectory(prefix: "reconcile-git-http")
        hangFlag = root.file("hang")
        try runChecked("git", ["clone", "-q", "--bare", repository.path, root.file("config.git")])
        let reserved = try ReservedPort(forAServer: true)
        port = reserved.port
        process = try ManagedProcess(
            TestPaths.python,
            [
                TestPaths.fixture("servers/git_http_server.py"), "--port", String(port), "--root", root.path,
                "--hang-when", hangFlag,
            ], holding: [reserved])
        try process.waitUntilReady("git http server on port \(port)") { isListening(port: port) }
    }

    var url: String { "http://127.0.0.1:\(port)/config.git" }

    /// From now on the remote accepts connections and never answers.
    func hang() throws { try Data().write(to: URL(fileURLWithPath: hangFlag)) }

    deinit { process.stop() }
}
