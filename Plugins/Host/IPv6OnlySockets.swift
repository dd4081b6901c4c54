#if canImport(Glibc)
    import Glibc
#endif

/// Which listening TCP sockets of IPv6 take IPv6 connections only (`IPV6_V6ONLY`), which
/// `/proc/net/tcp6` does not say: without it a socket on `[::]` cannot be told from one
/// that also answers 127.0.0.1. Asked of the kernel as `ss` asks it: one
/// NETLINK_SOCK_DIAG dump (`inet_diag_req_v2`) of the listening AF_INET6 TCP sockets,
/// whose answers carry `INET_DIAG_SKV6ONLY` for every listening socket (the kernel adds
/// it unasked; `idiag_ext`, one byte, cannot even name attribute 11), keyed by inode.
///
/// The structures are written and read as bytes: the kernel's `linux/inet_diag.h` is not
/// part of the C library Swift imports, and its layout is a stable ABI.
enum IPv6OnlySockets {
    static let netlinkSockDiag: Int32 = 4
    static let sockDiagByFamily: UInt16 = 20
    static let messageDone: UInt16 = 3, messageError: UInt16 = 2
    static let request: UInt16 = 0x1, dump: UInt16 = 0x300
    static let tcpListen: UInt32 = 10
    static let attributeV6Only: UInt16 = 11
    /// `struct nlmsghdr`, `struct inet_diag_req_v2`, `struct inet_diag_msg`.
    static let headerSize = 16, requestSize = 56, messageSize = 72
    /// `inet_diag_msg.idiag_inode`'s offset.
    static let inodeOffset = 68

    /// Each listening IPv6 socket's inode and whether it is IPv6-only; or why the kernel
    /// could not be asked (netlink refused by a seccomp filter, no sock_diag module).
    static func byInode() -> Result<[UInt64: Bool], ScanFailure> {
        let descriptor = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkSockDiag)
        guard descriptor >= 0 else { return .failure(failure("socket(AF_NETLINK, NETLINK_SOCK_DIAG)")) }
        defer { close(descriptor) }
        // The kernel answers a dump at once; the bound only guards against a kernel that never does.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var message = [UInt8](repeating: 0, count: headerSize + requestSize)
        put(UInt32(message.count), at: 0, in: &message)
        put(sockDiagByFamily, at: 4, in: &message)
        put(request | dump, at: 6, in: &message)
        put(UInt32(1), at: 8, in: &message)
        message[headerSize] = UInt8(AF_INET6)
        message[headerSize + 1] = UInt8(IPPROTO_TCP)
        put(UInt32(1) << tcpListen, at: headerSize + 4, in: &message)
        var kernel = [UInt8](repeating: 0, count: 12) // struct sockaddr_nl, pid 0: the kernel
        put(UInt16(AF_NETLINK), at: 0, in: &kernel)
        let sent = message.withUnsafeBytes { bytes in
            kernel.withUnsafeBytes { address in
                sendto(
                    descriptor, bytes.baseAddress, bytes.count, 0, address.baseAddress?.assumingMemoryBound(to: sockaddr.self),
                    socklen_t(address.count))
            }
        }
        guard sent == message.count else { return .failure(failure("send to NETLINK_SOCK_DIAG")) }
        var sockets: [UInt64: Bool] = [:]
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard received > 0 else { return .failure(failure("recv from NETLINK_SOCK_DIAG")) }
            switch parse(buffer[..<received], into: &sockets) {
            case .more: continue
            case .done: return .success(sockets)
            case .error(let code): return .failure(ScanFailure(reason: "NETLINK_SOCK_DIAG answered: \(String(cString: strerror(code)))"))
            }
        }
    }

    enum Progress: Equatable {
        case more, done
        case error(Int32)
    }

    /// Reads one datagram of netlink messages: each socket's inode and IPv6-only flag.
    static func parse(_ datagram: ArraySlice<UInt8>, into sockets: inout [UInt64: Bool]) -> Progress {
        let bytes = Array(datagram)
        var offset = 0
        while offset + headerSize <= bytes.count {
            let length = Int(read(UInt32.self, at: offset, in: bytes))
            guard length >= headerSize, offset + length <= bytes.count else { return .error(EPROTO) }
            switch read(UInt16.self, at: offset + 4, in: bytes) {
            case messageDone: return .done
            case messageError: return .error(-Int32(bitPattern: read(UInt32.self, at: offset + headerSize, in: bytes)))
            case sockDiagByFamily where length >= headerSize + messageSize:
                let body = offset + headerSize
                let inode = UInt64(read(UInt32.self, at: body + inodeOffset, in: bytes))
                var attribute = body + messageSize
                while attribute + 4 <= offset + length {
                    let size = Int(read(UInt16.self, at: attribute, in: bytes))
                    guard size >= 4 else { break }
                    if read(UInt16.self, at: attribute + 2, in: bytes) == attributeV6Only, size >= 5 {
                        sockets[inode] = bytes[attribute + 4] != 0
                    }
                    attribute += (size + 3) & ~3
                }
            default: break
            }
            offset += (length + 3) & ~3
        }
        return .more
    }

    private static func read<Integer: FixedWidthInteger>(_: Integer.Type, at offset: Int, in bytes: [UInt8]) -> Integer {
        bytes[offset..<(offset + MemoryLayout<Integer>.size)].withUnsafeBytes { $0.loadUnaligned(as: Integer.self) }
    }

    private static func put<Integer: FixedWidthInteger>(_ value: Integer, at offset: Int, in bytes: inout [UInt8]) {
        withUnsafeBytes(of: value) { bytes.replaceSubrange(offset..<(offset + $0.count), with: $0) }
    }

    private static func failure(_ call: String) -> ScanFailure {
        ScanFailure(reason: "\(call): \(String(cString: strerror(errno)))")
    }
}
