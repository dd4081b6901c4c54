import DockerChecker
import Foundation
import ReconcileKit

/// Answers "what does this host look like?" without `ss`, `netstat`, `ps` or
/// `systemctl status`, which the hosts that needed the answer did not have: listening
/// TCP sockets from `/proc/net/tcp` and `/proc/net/tcp6` (whether one on `[::]` is
/// IPv6-only from NETLINK_SOCK_DIAG), their owners by socket inode under
/// `/proc/<pid>/fd`, process names from `/proc/<pid>/comm` and `exe`, and systemd units
/// with `systemctl show` where systemd is the init system.
///
/// A socket whose owner cannot be seen (another user's process, without privileges) is
/// said to be so, never guessed; units on a host without systemd are `unknown`. A port a
/// container engine forwards (through docker-proxy, conmon, rootlessport, or NAT with no
/// process) is attributed to the container that publishes it, from the Docker checker's
/// observation of the same run. It reads only; its drift is always left to people.
public struct HostChecker: Checker {
    public static let identifier = "host"
    public static let observes =
        "/proc (net/tcp, net/tcp6, each process's comm, exe and socket descriptors), NETLINK_SOCK_DIAG (which sockets on [::] are IPv6-only), systemctl show where systemd runs, the Docker observation"
    public static let reports =
        "who listens where (and which container publishes a port), ports that must be closed, processes present or absent, units' state"
    public static let manualReason = "reconcile never stops processes or changes units on the host; run the fix's commands"
    public static let inputs: [any Checker.Type] = [DockerChecker.self]

    public init() {}

    public func observe(_ spec: HostSpec, in context: ObservationContext) async throws -> HostObservation {
        var observation = HostObservation()
        observation.systemdRuns = SystemdUnits.notRunning() == nil
        async let units = Self.units(spec, context: context)
        async let docker = Self.docker(spec, context: context)
        if !(spec.listen.isEmpty && spec.notListening.isEmpty && spec.present.isEmpty && spec.absent.isEmpty) {
            await Self.scan(into: &observation, wantsSockets: !(spec.listen.isEmpty && spec.notListening.isEmpty))
        }
        switch await units {
        case .success(let states): observation.services = states
        case .failure(let failure): observation.servicesProblem = failure.reason
        }
        (observation.publishers, observation.publishersProblem) = await docker
        return observation
    }

    public func compare(_ spec: HostSpec, with observation: HostObservation) -> [Finding] {
        HostVerdict.findings(spec, observation)
    }

    /// The listening sockets, then the processes and who holds those sockets.
    static func scan(into observation: inout HostObservation, wantsSockets: Bool, proc: String = "/proc") async {
        var sockets: [ListeningSocket] = []
        if wantsSockets {
            guard let table = ProcessTable.readWhole("\(proc)/net/tcp") else {
                observation.socketsProblem = "cannot read \(proc)/net/tcp: \(String(cString: strerror(errno)))"
                return await scanProcesses(into: &observation, wanted: [], proc: proc)
            }
            // No tcp6 table: IPv6 is disabled, so nothing listens on it.
            sockets = ProcNetTCP.listening(table) + ProcNetTCP.listening(ProcessTable.readWhole("\(proc)/net/tcp6") ?? "")
            // Whether a socket on [::] takes IPv4 too: asked only when there is one.
            if sockets.contains(where: { $0.address.ip == "::" }) {
                switch IPv6OnlySockets.byInode() {
                case .success(let ipv6Only):
                    for index in sockets.indices where sockets[index].address.ip == "::" {
                        sockets[index].ipv6Only = ipv6Only[sockets[index].inode]
                    }
                case .failure(let failure): observation.ipv6OnlyProblem = failure.reason
                }
            }
            observation.sockets = sockets
        }
        await scanProcesses(into: &observation, wanted: Set(sockets.map(\.inode)), proc: proc)
    }

    static func scanProcesses(into observation: inout HostObservation, wanted: Set<UInt64>, proc: String) async {
        switch await ProcessTable.scan(root: proc, wanted: wanted) {
        case .failure(let failure):
            observation.processesProblem = failure.reason
            if observation.sockets != nil { observation.socketsProblem = failure.reason }
            observation.sockets = nil
        case .success(let scan):
            observation.processes = scan.processes
            observation.hiddenProcesses = scan.hidden
            observation.scanIncomplete = scan.incomplete
            observation.sockets = observation.sockets?.map { socket in
                var owned = socket
                owned.owners = scan.owners[socket.inode] ?? []
                return owned
            }
        }
    }

    static func units(_ spec: HostSpec, context: ObservationContext) async -> Result<[String: UnitState], ScanFailure> {
        guard !spec.services.isEmpty else { return .success([:]) }
        return await SystemdUnits.observe(spec.services.map(\.unit), environment: context.environment)
    }

    static func docker(_ spec: HostSpec, context: ObservationContext) async -> ([PortPublisher]?, String?) {
        guard !(spec.listen.isEmpty && spec.notListening.isEmpty) else { return (nil, nil) }
        do {
            return PortPublishers.from(.success(try await context.observation(of: DockerChecker.self)))
        } catch {
            return PortPublishers.from(.failure(error))
        }
    }
}
