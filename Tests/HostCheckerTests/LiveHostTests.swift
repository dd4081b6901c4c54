import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import HostChecker

/// The host checker against real processes the tests start on free loopback ports.
@Suite("host: real listeners and processes")
struct LiveHostTests {
    /// Whether this machine runs systemd: the fixes say `systemctl` only then.
    static let systemd = SystemdUnits.notRunning() == nil

    @Test func caddyListeningWhereTheManifestSaysIsInSync() async throws {
        let caddy = try await startSiteCaddy()
        let findings = try await hostFindings(
            """
            host:
              listen:
                - { port: \(caddy.ports[0]), process: caddy }
                - { address: 127.0.0.1:\(caddy.ports[0]), process: caddy }
              processes: { present: [caddy] }
            """)
        #expect(findings.map(\.status) == [.ok, .ok, .ok], "\(findings.map(\.message))")
        #expect(findings[0].observed?.contains("127.0.0.1:\(caddy.ports[0]) held by caddy (pid \(caddy.pid)") == true)
    }

    @Test func thePortOwnedByAnotherProcessIsDriftNamingBoth() async throws {
        let other = try await offPool { try Listener(named: "otherserver") }
        let findings = try await hostFindings("host:\n  listen: [{ port: \(other.port), process: caddy }]")
        let finding = try #require(findings.first)
        #expect(finding.status == .drift)
        #expect(finding.message.hasPrefix("port \(other.port) is held by otherserver (pid \(other.process.pid), "))
        #expect(finding.message.hasSuffix(", not caddy"))
        #expect(
            finding.fix?.snippet
                == (Self.systemd ? "systemctl disable --now otherserver\nsystemctl restart caddy" : "kill \(other.process.pid)"))
    }

    @Test func aProcessNamedNginxRunningWhileAbsentIsDrift() async throws {
        let nginx = try await offPool { try RenamedProcess("sleep", as: "nginx", ["600"]) }
        let findings = try await hostFindings("host:\n  processes: { absent: [nginx, apache2] }")
        #expect(findings.map(\.status) == [.drift, .ok], "\(findings.map(\.message))")
        #expect(findings[0].resource == "nginx")
        #expect(findings[0].message.contains("nginx (pid \(nginx.pid), \(nginx.path))"), "\(findings[0].message)")
        #expect(findings[0].fix?.snippet == (Self.systemd ? "systemctl disable --now nginx" : "kill \(nginx.pid)"))
        nginx.process.stop()
        let after = try await hostFindings("host:\n  processes: { absent: [nginx] }")
        #expect(after.allSatisfy { !$0.message.contains("pid \(nginx.pid),") })
    }

    @Test func aPortThatMustBeClosedFoundOpen() async throws {
        let open = try await offPool { try Listener(named: "rogue") }
        let closed = try ReservedPort()
        let findings = try await hostFindings("host:\n  not_listening: [\(open.port), \(closed.port)]")
        #expect(findings.map(\.status) == [.drift, .ok], "\(findings.map(\.message))")
        #expect(findings[0].message.contains("127.0.0.1:\(open.port) held by rogue (pid \(open.process.pid)"))
        #expect(findings[0].fix?.snippet == (Self.systemd ? "systemctl disable --now rogue" : "kill \(open.process.pid)"))
    }

    @Test func ipv6ListenersAreSeenWithTheirOwner() async throws {
        let listener = try await offPool { try Listener(address: "::1", named: "v6server") }
        let findings = try await hostFindings(
            """
            host:
              listen:
                - { address: "[::1]:\(listener.port)", process: v6server }
                - { address: "127.0.0.1:\(listener.port)" }
              not_listening: ["[::1]:\(listener.port)"]
            """)
        #expect(findings.map(\.status) == [.ok, .drift, .drift], "\(findings.map(\.message))")
        #expect(findings[0].resource == "[::1]:\(listener.port)")
        #expect(findings[1].message == "port \(listener.port) listens on [::1]:\(listener.port), not 127.0.0.1:\(listener.port)")
        #expect(findings[2].observed?.hasPrefix("[::1]:\(listener.port) held by v6server (pid \(listener.process.pid)") == true)
    }

    /// A socket on [::] takes 127.0.0.1 as well unless it is IPv6-only (IPV6_V6ONLY), which
    /// /proc/net/tcp6 does not show and NETLINK_SOCK_DIAG does: IPv6-only, 127.0.0.1 is
    /// closed and not listened on; dual-stack, it is open, and listened on too widely.
    @Test(arguments: [true, false])
    func aSocketOnEveryIPv6InterfaceTakesIPv4UnlessIPv6Only(ipv6Only: Bool) async throws {
        let listener = try await offPool { try Listener(address: "::", named: "anyv6", ipv6Only: ipv6Only) }
        let port = listener.port
        let findings = try await hostFindings(
            "host:\n  listen: [{ address: \"127.0.0.1:\(port)\" }]\n  not_listening: [\"127.0.0.1:\(port)\"]")
        if ipv6Only {
            #expect(findings.map(\.status) == [.drift, .ok], "\(findings.map(\.message))")
            #expect(findings[0].message == "port \(port) listens on [::]:\(port) (IPv6 only), not 127.0.0.1:\(port)")
            #expect(findings[1].message == "nothing listens on 127.0.0.1:\(port)")
        } else {
            #expect(findings.map(\.status) == [.drift, .drift], "\(findings.map(\.message))")
            #expect(findings[0].message == "listens on every interface ([::]:\(port)), not only 127.0.0.1")
            #expect(findings[1].observed?.hasPrefix("[::]:\(port) held by anyv6 (pid \(listener.process.pid)") == true)
        }
    }

    /// The mirror case: a socket on 0.0.0.0 takes every IPv4 address and no IPv6 one, so
    /// [::1] on its port is closed (the kernel refuses a connection there) and not listened on.
    @Test func aSocketOnEveryIPv4InterfaceDoesNotTakeIPv6() async throws {
        let listener = try await offPool { try Listener(address: "0.0.0.0", named: "anyv4") }
        let port = listener.port
        let connect =
            "import socket, sys\ntry:\n socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)\nexcept OSError:\n sys.exit(1)"
        #expect(try run(TestPaths.python, ["-c", connect, "::1", String(port)]).status == 1, "the kernel refuses [::1]")
        #expect(try run(TestPaths.python, ["-c", connect, "127.0.0.1", String(port)]).status == 0, "and takes 127.0.0.1")
        let findings = try await hostFindings(
            """
            host:
              listen: [{ address: "[::1]:\(port)" }, { address: "127.0.0.1:\(port)" }]
              not_listening: ["[::1]:\(port)", "127.0.0.1:\(port)"]
            """)
        #expect(findings.map(\.status) == [.drift, .drift, .ok, .drift], "\(findings.map(\.message))")
        #expect(findings[0].message == "port \(port) listens on 0.0.0.0:\(port), not [::1]:\(port)")
        #expect(findings[1].message == "listens on every interface (0.0.0.0:\(port)), not only 127.0.0.1")
        #expect(findings[2].message == "nothing listens on [::1]:\(port)")
        #expect(findings[3].observed?.hasPrefix("0.0.0.0:\(port) held by anyv4 (pid \(listener.process.pid)") == true)
    }

    @Test func servicesWithoutSystemdAreUnknownWithTheReason() async throws {
        try #require(SystemdUnits.notRunning() != nil, "this test needs a host without systemd as PID 1")
        let findings = try await hostFindings("host:\n  services: [{ unit: caddy.service, active: true, enabled: true }]")
        #expect(findings.map(\.status) == [.unknown])
        #expect(findings[0].message.hasPrefix("systemd is not running on this host (PID 1 is "))
    }
}
