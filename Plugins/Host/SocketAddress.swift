#if canImport(Glibc)
    import Glibc
#endif

/// An IP address and port as the host checker writes and compares them: addresses in
/// their canonical text (`inet_ntop`'s), so `0:0:0:0:0:0:0:1` in a manifest and the
/// kernel's `::1` are the same address, and an IPv4-mapped IPv6 address is its IPv4 one.
public struct SocketAddress: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// Canonical IP text: `127.0.0.1`, `::1`, `0.0.0.0` (every IPv4 interface), `::`.
    public var ip: String
    public var port: Int

    /// True for `0.0.0.0` and `::`: bound to every interface.
    public var isWildcard: Bool { ip == "0.0.0.0" || ip == "::" }

    /// `127.0.0.1:8000`, `[::1]:8000`.
    public var description: String { Self.text(ip: ip, port: port) }

    public static func < (lhs: SocketAddress, rhs: SocketAddress) -> Bool { (lhs.port, lhs.ip) < (rhs.port, rhs.ip) }

    static func text(ip: String, port: Int) -> String { ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)" }

    /// The canonical text of an IPv4 or IPv6 literal; nil when `text` is not one (a host
    /// name is not: the kernel lists addresses, not names).
    public static func canonicalIP(_ text: String) -> String? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return ntop(AF_INET, withUnsafeBytes(of: &v4) { Array($0) }) }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        return canonical(v6)
    }

    /// The text of an IPv6 address, or of the IPv4 address it maps (`::ffff:a.b.c.d`).
    static func canonical(_ address: in6_addr) -> String? {
        var address = address
        let bytes = withUnsafeBytes(of: &address) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        return ntop(AF_INET6, bytes)
    }

    /// `inet_ntop` of an address's bytes (4 for IPv4, 16 for IPv6).
    private static func ntop(_ family: Int32, _ bytes: [UInt8]) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard written != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Reads `IP`, `IP:PORT`, `[IPv6]` or `[IPv6]:PORT` (a bare IPv6 address has no
    /// port); nil when it is none of them.
    public static func parse(_ text: String) -> (ip: String, port: Int?)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            guard let ip = canonicalIP(String(text[text.index(after: text.startIndex)..<close])), ip.contains(":") else {
                return nil
            }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (ip, nil) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port) else { return nil }
            return (ip, port)
        }
        if let ip = canonicalIP(text) { return (ip, nil) }
        guard let colon = text.lastIndex(of: ":"), let ip = canonicalIP(String(text[..<colon])), !ip.contains(":"),
            let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        return (ip, port)
    }
}
