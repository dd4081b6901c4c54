import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Picks a TCP port on 127.0.0.1 that is free right now, by binding port 0 and asking
/// the kernel which port it gave, and that connections reach (``boundLoopbackSocket``).
/// Tests never use fixed ports.
public func freeLoopbackPort() throws -> Int {
    let (fd, port) = try boundLoopbackSocket(reusePort: true)
    close(fd)
    return port
}

/// A loopback port bound and held for the holder's lifetime, so no other test can start
/// a server on it meanwhile (a port that is merely free now can be another test's server
/// a moment later).
public final class ReservedPort: Sendable {
    public let port: Int
    private let descriptor: Int32

    /// - Parameters:
    ///   - listening: false, connecting is refused; true, connections are accepted (by the
    ///     kernel's backlog) and never answered: no one reads or writes. What a wedged
    ///     server looks like to a client.
    ///   - forAServer: the port is for a server that binds it with `SO_REUSEPORT` (Caddy
    ///     does on Linux, and so does the fixture server): the server can bind it while
    ///     the reservation holds it against every other socket, since `bind` to port 0
    ///     never hands out a port another socket holds, even one that allows sharing. A
    ///     port chosen free and released before the server binds it can meanwhile become
    ///     another test's: with `SO_REUSEPORT`, two Caddys then bind it both and share its
    ///     connections, and a readiness probe is answered by the other one.
    public init(listening: Bool = false, forAServer: Bool = false) throws {
        (descriptor, port) = try boundLoopbackSocket(reusePort: forAServer)
        guard !listening || listen(descriptor, 64) == 0 else { throw TestSupportError("listen() failed: errno \(errno)") }
    }

    deinit { close(descriptor) }
}

/// Leaves a socket file at `path` with nothing accepting on it: what a crashed daemon
/// leaves behind.
public func bindUnixSocketWithoutListening(_ path: String) throws {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError("socket() failed") }
    defer { close(fd) }
    guard withUnixAddress(path, { bind(fd, $0, $1) }) == 0 else {
        throw TestSupportError("bind(\(path)) failed: errno \(errno)")
    }
}

/// Calls `body` with `path` as a unix socket address and its length; nil when the path
/// is too long for one.
private func withUnixAddress<Value>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Value) -> Value? {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}

/// A TCP socket bound to a free port on 127.0.0.1, and that port; with `reusePort`, a
/// socket that lets a server's `SO_REUSEPORT` socket bind the port too, on a port that
/// connections reach. A firewall rule can send them elsewhere: Podman's netavark DNATs a
/// container's published host port, and a container killed before its cleanup (a test
/// process killed mid-test) leaves the rule, which then takes that port from every later
/// server on the machine, which listens and is never reached. Such a port is skipped.
private func boundLoopbackSocket(reusePort: Bool = false) throws -> (descriptor: Int32, port: Int) {
    guard reusePort else { return try bindLoopback(port: 0, reusePort: false) }
    // Held until a good one is found, so that bind(0) does not hand them out again.
    var detoured: [Int32] = []
    defer { for descriptor in detoured { close(descriptor) } }
    for _ in 0..<20 {
        let (fd, port) = try bindLoopback(port: 0, reusePort: true)
        if connectionsArrive(at: port) { return (fd, port) }
        detoured.append(fd)
    }
    throw TestSupportError("no loopback port that connections reach: a firewall rule redirects each (see `nft list ruleset`)")
}

/// Whether a connection to 127.0.0.1:`port` reaches a socket listening there: one of our
/// own, bound beside the caller's reservation for as long as the probe takes.
private func connectionsArrive(at port: Int) -> Bool {
    guard let probe = try? bindLoopback(port: port, reusePort: true).descriptor else { return false }
    defer { close(probe) }
    return listen(probe, 1) == 0 && isListening(port: port)
}

/// A TCP socket bound to 127.0.0.1:`port` (0: one the kernel picks, never one another
/// socket holds), and the port it got.
private func bindLoopback(port: Int, reusePort: Bool) throws -> (descriptor: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError("socket() failed: errno \(errno)") }
    var one: Int32 = 1
    guard !reusePort || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
        close(fd)
        throw TestSupportError("setsockopt(SO_REUSEPORT) failed: errno \(errno)")
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard bound == 0, named == 0 else {
        close(fd)
        throw TestSupportError("bind() or getsockname() failed: errno \(errno)")
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// True when something accepts TCP connections on 127.0.0.1:`port`. The connect is
/// bounded to a second: a blocking one waits out SYN retries (a minute and more) while
/// a server that has not reached its accept loop has a full backlog, and a caller's
/// readiness deadline cannot end it.
public func isListening(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    if result == 0 { return true }
    guard errno == EINPROGRESS else { return false }
    var writable = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
    guard poll(&writable, 1, 1000) == 1 else { return false }
    var error: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0
}

/// True when something accepts connections on the unix socket at `path`. The socket
/// file alone does not say so: it appears at bind(), before the server calls listen(),
/// and a connection in between is refused.
public func isListening(unixSocket path: String) -> Bool {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return withUnixAddress(path, { connect(fd, $0, $1) }) == 0
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes. The default is
/// generous because it only matters when something is wrong: a loaded CI machine can
/// take well over 20 s to start a Python server, which is slow, not broken.
public func waitUntil(
    timeout: Duration = .seconds(60), _ what: String, _ condition: () -> Bool
) throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return }
        usleep(20_000)
    }
    throw TestSupportError("timed out after \(timeout) waiting for \(what)")
}
