#if canImport(Glibc)
    import Glibc
#endif

/// Reads the kernel's TCP socket tables, `/proc/net/tcp` and `/proc/net/tcp6`: one line
/// per socket, addresses in hexadecimal in the kernel's byte order, the state as a hex
/// code (`0A` is LISTEN), then the owner's uid and the socket's inode. What `ss -lnt`
/// prints, without `ss`. Pure: tests feed it captured tables.
enum ProcNetTCP {
    static let listenState = "0A"

    /// The listening sockets of one table; lines that do not parse are skipped (the
    /// header, a format this reader does not know).
    static func listening(_ table: String) -> [ListeningSocket] {
        table.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 10, fields[3] == listenState, let address = address(fields[1]),
                let uid = Int(fields[7]), let inode = UInt64(fields[9])
            else { return nil }
            return ListeningSocket(address: address, inode: inode, uid: uid)
        }
    }

    /// `0100007F:1F90` (IPv4) or 32 hex digits and a port (IPv6). The kernel prints the
    /// address as 32-bit words in the host's byte order (so the bytes are each word's
    /// memory here), the port as a plain number.
    static func address(_ field: Substring) -> SocketAddress? {
        let parts = field.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1], radix: 16) else { return nil }
        let hex = parts[0]
        guard hex.count == 8 || hex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 8)
            guard let word = UInt32(hex[index..<next], radix: 16) else { return nil }
            withUnsafeBytes(of: word) { bytes.append(contentsOf: $0) }
            index = next
        }
        if bytes.count == 4 {
            return SocketAddress(ip: bytes.map(String.init).joined(separator: "."), port: port)
        }
        var v6 = in6_addr()
        withUnsafeMutableBytes(of: &v6) { $0.copyBytes(from: bytes) }
        return SocketAddress.canonical(v6).map { SocketAddress(ip: $0, port: port) }
    }
}
