import Testing

@testable import HostChecker

/// The kernel's socket tables, captured on a test machine, read as `ss -lnt` would.
@Suite("host: reading /proc/net/tcp and tcp6")
struct ProcNetTCPTests {
    static let tcp = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 634 1 0000000035eccec1 100 0 0 10 0
           1: 0100007F:8BAB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3788388 1 00000000d29e50ac 100 0 0 10 0
           2: 0100007F:BBFB 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 3763005 1 000000004679fe99 100 0 0 10 0
           4: 0100007F:BBFC 0100007F:801C 06 00000000:00000000 03:00001501 00000000     0        0 0 3 0000000080af3eb4
        """
    static let tcp6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000000000000000000001000000:8E93 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3788389 1 0000000083cc565e 100 0 0 10 0
           1: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 42 1 0000000083cc565e 100 0 0 10 0
           2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 43 1 0000000083cc565e 100 0 0 10 0
           3: 00000000000000000000000001000000:1F91 00000000000000000000000001000000:D431 01 00000000:00000000 00:00000000 00000000     0        0 44 1 0000000083cc565e 100 0 0 10 0
        """

    @Test func ipv4ListenersWithTheirAddressUidAndInodeAndNothingElse() {
        let sockets = ProcNetTCP.listening(Self.tcp)
        #expect(sockets.map(\.address.description) == ["0.0.0.0:2024", "127.0.0.1:35755", "127.0.0.1:48123"])
        #expect(sockets.map(\.inode) == [634, 3_788_388, 3_763_005])
        #expect(sockets.map(\.uid) == [0, 0, 1000])
        #expect(sockets[0].address.isWildcard && !sockets[1].address.isWildcard)
    }

    @Test func ipv6ListenersIncludingTheWildcardAndAMappedIPv4Address() {
        let sockets = ProcNetTCP.listening(Self.tcp6)
        #expect(sockets.map(\.address.description) == ["[::1]:36499", "[::]:443", "127.0.0.1:8080"])
        #expect(sockets[1].address.isWildcard)
        #expect(sockets.map(\.inode) == [3_788_389, 42, 43])
    }

    @Test func garbageAndTruncatedLinesAreSkipped() {
        #expect(ProcNetTCP.listening("").isEmpty)
        #expect(ProcNetTCP.listening("header\n 0: 0100007F 00000000:0000 0A\n 1: ZZ:0050 0:0 0A 0:0 0:0 0 0 0 1").isEmpty)
    }

    @Test func addressesAreCanonicalWhateverTheirSpelling() {
        #expect(SocketAddress.parse("127.0.0.1:8000")! == ("127.0.0.1", 8000))
        #expect(SocketAddress.parse("[0:0:0:0:0:0:0:1]:8000")! == ("::1", 8000))
        #expect(SocketAddress.parse("::1")! == ("::1", nil))
        #expect(SocketAddress.parse("10.0.0.1")! == ("10.0.0.1", nil))
        #expect(SocketAddress.parse("localhost:80") == nil)
        #expect(SocketAddress.parse("127.0.0.1:99999") == nil)
        #expect(SocketAddress.parse("[::1]8000") == nil)
    }
}
