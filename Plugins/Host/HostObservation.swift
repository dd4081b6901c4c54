import DockerChecker
import ReconcileKit

/// Everything one run saw of the host, in plain values, each part with the reason it
/// could not be seen instead of a guess. `Codable` so tests replay observations.
public struct HostObservation: Sendable, Hashable, Codable {
    /// Listening TCP sockets (IPv4 and IPv6) with their owners; nil when the kernel's
    /// tables could not be read (`socketsProblem` says why).
    public var sockets: [ListeningSocket]?
    public var socketsProblem: String?
    /// Why the kernel could not be asked which sockets on `[::]` are IPv6-only (netlink
    /// refused): they are then read as dual-stack, Linux's default, and findings say so.
    public var ipv6OnlyProblem: String?
    /// Every process whose name could be read.
    public var processes: [ObservedProcess]?
    public var processesProblem: String?
    /// Processes whose descriptors could not be read (another user's, without
    /// privileges): the sockets they own have no visible owner.
    public var hiddenProcesses = 0
    /// Why the scan of processes stopped before the end (the deadline, the bound), if it did.
    public var scanIncomplete: String?
    /// Whether systemd runs here (`sd_booted()`'s test): a fix says `systemctl` only then.
    /// nil in observations recorded before it was observed (read as running).
    public var systemdRuns: Bool?
    /// Units by name; nil when systemd could not be asked (`servicesProblem`).
    public var services: [String: UnitState]?
    public var servicesProblem: String?
    /// Containers that publish each host port (from the Docker checker's observation);
    /// nil when there is none to read (`publishersProblem`).
    public var publishers: [PortPublisher]?
    public var publishersProblem: String?
}

/// A TCP socket in LISTEN state, and the processes holding it (several after a fork:
/// Gunicorn's workers, a reloaded Caddy). No owner means none could be seen.
public struct ListeningSocket: Sendable, Hashable, Codable {
    public var address: SocketAddress
    /// The socket's inode: what `/proc/<pid>/fd/*` links name (`socket:[inode]`).
    public var inode: UInt64
    /// The owning user id, as the kernel lists it.
    public var uid: Int
    public var owners: [ObservedProcess] = []
    /// For a socket on `[::]`: whether it is IPv6-only (`IPV6_V6ONLY`), so that it does
    /// not take IPv4 connections; nil when not known (read as dual-stack).
    public var ipv6Only: Bool?

    /// Whether a connection to `ip` on this socket's port reaches it: its own address, or
    /// every interface of its family. On Linux `0.0.0.0` takes IPv4 only (never `[::1]`),
    /// while `[::]` takes IPv6, and IPv4 as well unless it is IPv6-only.
    func takes(_ ip: String) -> Bool {
        let isIPv6 = ip.contains(":")
        switch address.ip {
        case ip: return true
        case "0.0.0.0": return !isIPv6
        case "::": return isIPv6 || ipv6Only != true
        default: return false
        }
    }

    /// `[::]:443`, `[::]:443 (IPv6 only)`.
    var addressText: String { "\(address)" + (ipv6Only == true ? " (IPv6 only)" : "") }
}

/// A process, by the names it can be recognised by.
public struct ObservedProcess: Sendable, Hashable, Codable, CustomStringConvertible {
    public var pid: Int32
    /// `/proc/<pid>/comm`: the executable's file name, cut at 15 characters by the kernel
    /// (a script's name, not its interpreter's).
    public var name: String
    /// `/proc/<pid>/exe`'s target; nil when it cannot be read (another user's process,
    /// a kernel thread).
    public var executable: String?

    /// True when `wanted` (a manifest's executable name) is this process: its name, its
    /// name cut by the kernel, or the file name of its executable.
    public func isNamed(_ wanted: String) -> Bool {
        if name == wanted || (name.count == 15 && wanted.hasPrefix(name)) { return true }
        guard let executable else { return false }
        return executable.split(separator: "/").last.map(String.init) == wanted
    }

    /// `nginx (pid 123, /usr/sbin/nginx)`.
    public var description: String {
        let path = executable.map { ", \($0)" } ?? ""
        return "\(name) (pid \(pid)\(path))"
    }
}

/// The state of a systemd unit as `systemctl show` reports it.
public struct UnitState: Sendable, Hashable, Codable {
    /// `loaded`, `not-found`, `masked`, …
    public var loadState: String
    /// `active`, `inactive`, `failed`, `activating`, …
    public var activeState: String
    public var subState = ""
    /// `enabled`, `disabled`, `static`, `masked`, … (empty for a unit with no file).
    public var unitFileState = ""
}

/// A host port a container publishes: the engine forwards it (through a proxy process
/// such as docker-proxy, conmon or rootlessport, or through NAT with no process at all).
public struct PortPublisher: Sendable, Hashable, Codable {
    public var container: String
    public var binding: PortBinding
}
