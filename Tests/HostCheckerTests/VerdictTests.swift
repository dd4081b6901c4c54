import DockerChecker
import ReconcileKit
import ReconcileTestSupport
import Testing

@testable import HostChecker

/// The judgement on observations shaped as the scan makes them.
@Suite("host: judging what was observed")
struct VerdictTests {
    static let caddy = ObservedProcess(pid: 100, name: "caddy", executable: "/usr/bin/caddy")
    static let nginx = ObservedProcess(pid: 200, name: "nginx", executable: "/usr/sbin/nginx")
    static let conmon = ObservedProcess(pid: 300, name: "conmon", executable: "/usr/bin/conmon")

    static func socket(_ ip: String, _ port: Int, _ owners: [ObservedProcess], inode: UInt64 = 1) -> ListeningSocket {
        ListeningSocket(address: SocketAddress(ip: ip, port: port), inode: inode, uid: 0, owners: owners)
    }

    static func observe(_ sockets: [ListeningSocket], processes: [ObservedProcess] = [], publishers: [PortPublisher]? = nil)
        -> HostObservation
    {
        HostObservation(sockets: sockets, processes: processes, publishers: publishers)
    }

    static func spec(_ yaml: String) throws -> HostSpec { try decode(HostSpec.self, body: yaml) }

    @Test func theExpectedOwnerOnAnyAddressIsInSync() throws {
        let spec = try Self.spec("listen: [{ port: 443, process: caddy }]")
        let findings = HostVerdict.findings(spec, Self.observe([Self.socket("::", 443, [Self.caddy])]))
        #expect(findings.map(\.status) == [.ok])
        #expect(findings.first?.resource == "port 443")
    }

    @Test func anotherOwnerIsDriftNamingBothWithTheCommandsToSwapThem() throws {
        let spec = try Self.spec("listen: [{ port: 443, process: caddy }]")
        let finding = try #require(HostVerdict.findings(spec, Self.observe([Self.socket("0.0.0.0", 443, [Self.nginx])])).first)
        #expect(finding.status == .drift)
        #expect(finding.message == "port 443 is held by nginx (pid 200, /usr/sbin/nginx), not caddy")
        #expect(finding.fix?.snippet == "systemctl disable --now nginx\nsystemctl restart caddy")
    }

    @Test func aLoopbackServiceOnEveryInterfaceIsDrift() throws {
        let spec = try Self.spec("listen: [{ address: 127.0.0.1:8000, process: gunicorn }]")
        let gunicorn = ObservedProcess(pid: 9, name: "gunicorn", executable: "/usr/bin/python3.11")
        let finding = try #require(HostVerdict.findings(spec, Self.observe([Self.socket("0.0.0.0", 8000, [gunicorn])])).first)
        #expect(finding.status == .drift)
        #expect(finding.resource == "127.0.0.1:8000")
        #expect(finding.message == "listens on every interface (0.0.0.0:8000), not only 127.0.0.1")
    }

    /// Where the kernel could not be asked whether a socket on [::] is IPv6-only (netlink
    /// refused), it is read as dual-stack, Linux's default, and the finding says so and why.
    @Test func aSocketOnEveryIPv6InterfaceNotKnownToBeIPv6OnlyIsReadAsDualStackWithTheReason() throws {
        let spec = try Self.spec("not_listening: [\"127.0.0.1:8000\"]")
        var observation = Self.observe([Self.socket("::", 8000, [Self.nginx])])
        observation.ipv6OnlyProblem = "socket(AF_NETLINK, NETLINK_SOCK_DIAG): Permission denied"
        let finding = try #require(HostVerdict.findings(spec, observation).first)
        #expect(finding.status == .drift)
        #expect(
            finding.message.hasSuffix(
                "(read as taking IPv4 too, Linux's default: whether it is IPv6-only could not be asked: "
                    + "socket(AF_NETLINK, NETLINK_SOCK_DIAG): Permission denied)"), "\(finding.message)")
        observation.sockets = [ListeningSocket(address: SocketAddress(ip: "::", port: 8000), inode: 1, uid: 0, ipv6Only: true)]
        #expect(HostVerdict.findings(spec, observation).map(\.status) == [.ok])
    }

    /// Where systemd does not run (a container), fixes name the processes by pid instead
    /// of `systemctl`, which would have nobody to ask (found by exploratory review).
    @Test func withoutSystemdTheFixesStopProcessesByPid() throws {
        let spec = try Self.spec("listen: [{ port: 443, process: caddy }]\nnot_listening: [80]\nprocesses: { absent: [nginx] }")
        var observation = Self.observe(
            [Self.socket("0.0.0.0", 443, [Self.nginx]), Self.socket("0.0.0.0", 80, [Self.nginx], inode: 2)], processes: [Self.nginx])
        observation.systemdRuns = false
        let findings = HostVerdict.findings(spec, observation)
        #expect(findings.map(\.status) == [.drift, .drift, .drift], "\(findings.map(\.message))")
        #expect(findings.map { $0.fix?.snippet } == ["kill 200", "kill 200", "kill 200"])
        #expect(findings.allSatisfy { !($0.fix.map { "\($0.summary)\($0.snippet ?? "")" } ?? "").contains("systemctl") })
    }

    /// The manifest wants every interface and the socket is on one address: the fix says
    /// to bind every interface, without warning that every interface is reachable.
    @Test func aServiceThatMustListenOnEveryInterfaceButListensOnOne() throws {
        let spec = try Self.spec("listen: [{ address: 0.0.0.0:8000, process: gunicorn }]")
        let gunicorn = ObservedProcess(pid: 9, name: "gunicorn", executable: "/usr/bin/python3.11")
        let finding = try #require(HostVerdict.findings(spec, Self.observe([Self.socket("127.0.0.1", 8000, [gunicorn])])).first)
        #expect(finding.status == .drift)
        #expect(
            finding.fix?.summary
                == "Configure gunicorn (pid 9, /usr/bin/python3.11) to bind 0.0.0.0:8000 (e.g. gunicorn --bind 0.0.0.0:8000, "
                + "Caddy's bind directive).")
    }

    @Test func nothingListeningIsDriftWithTheStartCommand() throws {
        let spec = try Self.spec("listen: [{ port: 443, process: caddy }]")
        let finding = try #require(HostVerdict.findings(spec, Self.observe([Self.socket("0.0.0.0", 80, [Self.caddy])])).first)
        #expect(finding.status == .drift && finding.message == "nothing listens on port 443")
        #expect(finding.fix?.snippet == "systemctl start caddy")
    }

    @Test func anOwnerThatCannotBeSeenIsUnknownNeverTheExpectedProcess() throws {
        let spec = try Self.spec("listen: [{ port: 443, process: caddy }]")
        var observation = Self.observe([Self.socket("0.0.0.0", 443, [])])
        observation.hiddenProcesses = 3
        let finding = try #require(HostVerdict.findings(spec, observation).first)
        #expect(finding.status == .unknown)
        #expect(finding.message.contains("owner cannot be seen (3 processes' descriptors could not be read"))
    }

    @Test func aPortAContainerPublishesNamesTheContainer() throws {
        let spec = try Self.spec("listen: [{ port: 8443, process: caddy }]\nnot_listening: [8080]")
        let publishers = [
            PortPublisher(container: "web", binding: PortBinding(hostIP: "127.0.0.1", hostPort: 8080, containerPort: 80)),
            PortPublisher(container: "proxy", binding: PortBinding(hostPort: 8443, containerPort: 443)),
        ]
        let observation = Self.observe(
            [Self.socket("127.0.0.1", 8080, [Self.conmon]), Self.socket("0.0.0.0", 8443, [Self.conmon], inode: 2)],
            publishers: publishers)
        let findings = HostVerdict.findings(spec, observation)
        #expect(findings.map(\.status) == [.unknown, .drift])
        #expect(findings[0].message.hasPrefix("port 8443 is published by container proxy (container port 443) (held by conmon"))
        #expect(findings[1].message.contains("published by container web (container port 80)"))
        #expect(findings[1].fix?.snippet == "docker stop web")
    }

    @Test func aPortForwardedWithoutAnyProcessIsStillOpen() throws {
        let spec = try Self.spec("not_listening: [8080]")
        let publishers = [PortPublisher(container: "web", binding: PortBinding(hostPort: 8080, containerPort: 80))]
        let findings = HostVerdict.findings(spec, Self.observe([], publishers: publishers))
        #expect(findings.map(\.status) == [.drift])
    }

    @Test func processesPresentAndAbsentByNameTruncatedNameOrExecutable() throws {
        let spec = try Self.spec("processes: { present: [caddy, prometheus-alertmanager, python3.11], absent: [nginx, httpd] }")
        let processes = [
            Self.caddy, Self.nginx, ObservedProcess(pid: 5, name: "prometheus-aler"),
            ObservedProcess(pid: 6, name: "gunicorn", executable: "/usr/bin/python3.11"),
        ]
        let findings = HostVerdict.findings(spec, Self.observe([], processes: processes))
        #expect(findings.map(\.status) == [.ok, .ok, .ok, .drift, .ok])
        #expect(findings[3].message == "nginx runs and must not: nginx (pid 200, /usr/sbin/nginx)")
        #expect(findings[3].fix?.snippet == "systemctl disable --now nginx")
    }

    @Test func unitsAreJudgedFromSystemctlShowAndUnknownWithoutSystemd() throws {
        let spec = try Self.spec(
            "services:\n  - { unit: caddy.service, active: true, enabled: true }\n  - { unit: nginx.service, active: false }\n  - { unit: gone.service }"
        )
        let shown = """
            Id=caddy.service
            LoadState=loaded
            ActiveState=inactive
            SubState=dead
            UnitFileState=disabled

            Id=nginx.service
            LoadState=loaded
            ActiveState=active
            SubState=running
            UnitFileState=enabled

            Id=gone.service
            LoadState=not-found
            ActiveState=inactive
            SubState=dead
            UnitFileState=

            """
        let states = SystemdUnits.parse(shown, units: spec.services.map(\.unit))
        let findings = HostVerdict.findings(spec, HostObservation(services: states))
        #expect(findings.map(\.status) == [.drift, .drift, .drift])
        #expect(findings[0].message == "caddy.service is inactive, not active and is disabled, not enabled")
        #expect(findings[0].fix?.snippet == "systemctl start caddy.service\nsystemctl enable caddy.service")
        #expect(findings[1].fix?.snippet == "systemctl stop nginx.service")
        #expect(findings[2].message == "gone.service is not installed")

        let without = HostVerdict.findings(spec, HostObservation(servicesProblem: "systemd is not running on this host"))
        #expect(without.map(\.status) == [.unknown, .unknown, .unknown])
    }

    @Test func badEntriesAreErrorsWithTheirPosition() {
        #expect(
            decodingErrors(HostSpec.self, yaml: "host:\n  listen: [{ process: caddy }]").first?.contains("missing required key 'port'")
                == true)
        #expect(
            decodingErrors(HostSpec.self, yaml: "host:\n  listen: [{ address: localhost:80 }]").first?.hasPrefix("4:") == true)
        #expect(
            decodingErrors(HostSpec.self, yaml: "host:\n  listen: [{ port: 80, address: 127.0.0.1:81 }]").first?.contains(
                "address has port 81 but port says 80") == true)
        #expect(decodingErrors(HostSpec.self, yaml: "host:\n  processes: { present: [/usr/bin/caddy] }").count == 1)
        #expect(decodingErrors(HostSpec.self, yaml: "host:\n  processes: { present: [nginx], absent: [nginx] }").count == 1)
        #expect(decodingErrors(HostSpec.self, yaml: "host:\n  not_listening: [70000]").count == 1)
        #expect(decodingErrors(HostSpec.self, yaml: "host:\n  listne: []").first?.contains("did you mean 'listen'") == true)
    }
}
