import ReconcileKit

/// The `host:` section: what the machine itself must look like, answered without `ss`,
/// `ps` or `systemctl status` (which the hosts where this was asked did not have): which
/// sockets listen and who owns them, which ports must be closed, which processes must run
/// or must not (a second web server in front of Caddy is drift), and which systemd units
/// must be active or enabled.
///
/// ```yaml
/// host:
///   listen:
///     - { port: 443, process: caddy }         # address optional (any); process = executable name
///     - { address: 127.0.0.1:8000, process: gunicorn }
///   not_listening: [8080]
///   processes: { present: [caddy], absent: [nginx, apache2, httpd] }
///   services:
///     - { unit: caddy.service, active: true, enabled: true }
/// ```
public struct HostSpec: ManifestSection {
    public static let key = "host"
    public static let summary =
        "What the host itself must look like: listening sockets and their owners, closed ports, processes, systemd units."
    static let address = StringFormat.pattern(
        "[0-9a-fA-F.:\\[\\]]+", hint: "an IP address, optionally with a port (127.0.0.1:8000, [::1]:8000)")
    static let processName = StringFormat.pattern(
        "[^/\\s]{1,255}", hint: "an executable's name (caddy, gunicorn), not a path")
    static let listenObject = ManifestObject([
        .optional("port", .integer(1...65535), "The TCP port (needed unless address has one)."),
        .optional("address", .string(address), "The address it must be bound to (default: any), optionally with the port."),
        .optional("process", .string(processName), "The executable's name that must own the socket (default: anyone)."),
    ])
    static let processesObject = ManifestObject([
        .optional("present", .list(.string(processName)), "Executables that must be running."),
        .optional("absent", .list(.string(processName)), "Executables that must not be running (nginx, apache2, httpd)."),
    ])
    static let serviceObject = ManifestObject([
        .required(
            "unit", .string(.pattern("[A-Za-z0-9:_.@\\\\-]+", hint: "a systemd unit name (caddy.service)")), "The systemd unit."),
        .optional("active", .boolean, "Whether it must be running (active) or stopped."),
        .optional("enabled", .boolean, "Whether it must start at boot."),
    ])
    static let object = ManifestObject([
        .optional("listen", .list(.object(listenObject)), "TCP sockets that must be listening, and who must own them."),
        .optional(
            "not_listening", .list(.either([.integer(1...65535), .string(address)])),
            "Ports (or ADDRESS:PORT) that must be closed."),
        .optional("processes", .object(processesObject), "Executables that must, or must not, be running."),
        .optional("services", .list(.object(serviceObject)), "systemd units and their state (where systemd runs)."),
    ])
    public static let shape = ManifestShape.object(object)

    public var listen: [ListenSpec] = []
    public var notListening: [ClosedPortSpec] = []
    public var present: [ProcessSpec] = []
    public var absent: [ProcessSpec] = []
    public var services: [ServiceSpec] = []
}

extension HostSpec {
    public init(from node: ManifestNode) throws {
        let map = try node.mapping(Self.object)
        listen = try map.optional("listen")?.list().map { try ListenSpec(from: $0) } ?? []
        notListening = try map.optional("not_listening")?.list().map { try ClosedPortSpec(from: $0) } ?? []
        let processes = try map.optional("processes")?.mapping(Self.processesObject)
        present = try processes?.optional("present")?.list().map { try ProcessSpec(from: $0) } ?? []
        absent = try processes?.optional("absent")?.list().map { try ProcessSpec(from: $0) } ?? []
        services = try map.optional("services")?.list().map { try ServiceSpec(from: $0) } ?? []
        for name in present.map(\.name) where absent.contains(where: { $0.name == name }) {
            throw node.error("process \(ManifestNode.quoted(name)) is both present and absent")
        }
        var units: Set<String> = []
        for service in services where !units.insert(service.unit).inserted {
            throw ManifestError(position: service.position, keyPath: "host.services", message: "duplicate unit '\(service.unit)'")
        }
    }
}

/// A socket that must be listening: a port, optionally on one address, optionally owned
/// by one executable.
public struct ListenSpec: Sendable, Hashable {
    public var port: Int
    /// Canonical IP; nil means any address.
    public var address: String?
    public var process: String?
    public var position = SourcePosition(file: "-", line: 1, column: 1)

    /// `port 443` or `127.0.0.1:8000`: how findings name it.
    public var resource: String { portResource(port: port, address: address) }
}

extension ListenSpec {
    init(from node: ManifestNode) throws {
        let map = try node.mapping(HostSpec.listenObject)
        position = node.position
        (address, port) = try portAndAddress(port: map.optional("port"), address: map.optional("address"), at: node)
        process = try map.optional("process")?.string()
    }
}

/// A port that must be closed (on every address, or on the one given).
public struct ClosedPortSpec: Sendable, Hashable {
    public var port: Int
    public var address: String?
    public var position = SourcePosition(file: "-", line: 1, column: 1)

    public var resource: String { portResource(port: port, address: address) }
}

extension ClosedPortSpec {
    init(from node: ManifestNode) throws {
        position = node.position
        if let port = try? node.int(in: 1...65535) {
            self.port = port
            address = nil
        } else {
            guard let parsed = SocketAddress.parse(try node.string()), let port = parsed.port else {
                throw node.error("expected a port (8080) or ADDRESS:PORT (127.0.0.1:8080, [::1]:8080)")
            }
            self.port = port
            address = parsed.ip
        }
    }
}

/// An executable, by the name `ps` shows (its file name).
public struct ProcessSpec: Sendable, Hashable {
    public var name: String
    public var position = SourcePosition(file: "-", line: 1, column: 1)
}

extension ProcessSpec {
    init(from node: ManifestNode) throws {
        name = try node.string()
        position = node.position
    }
}

/// A systemd unit and the state it must be in (only the fields given are compared).
public struct ServiceSpec: Sendable, Hashable {
    public var unit: String
    public var active: Bool?
    public var enabled: Bool?
    public var position = SourcePosition(file: "-", line: 1, column: 1)
}

extension ServiceSpec {
    init(from node: ManifestNode) throws {
        let map = try node.mapping(HostSpec.serviceObject)
        position = node.position
        unit = try map.required("unit").string()
        active = try map.optional("active")?.bool()
        enabled = try map.optional("enabled")?.bool()
    }
}

/// The port of a `listen` entry from `port:` and `address:` (which may carry it too).
private func portAndAddress(port portNode: ManifestNode?, address addressNode: ManifestNode?, at node: ManifestNode)
    throws -> (String?, Int)
{
    let port = try portNode?.int(in: 1...65535)
    guard let addressNode else {
        guard let port else { throw node.error("missing required key 'port' (or an address with a port)") }
        return (nil, port)
    }
    guard let parsed = SocketAddress.parse(try addressNode.string()) else {
        throw addressNode.error("expected an IP address, optionally with a port (127.0.0.1:8000, [::1]:8000)")
    }
    switch (port, parsed.port) {
    case (let port?, let written?) where port != written:
        throw addressNode.error("address has port \(written) but port says \(port)")
    case (let port?, _), (nil, let port?): return (parsed.ip, port)
    case (nil, nil): throw addressNode.error("the address has no port: add one (127.0.0.1:8000) or give port")
    }
}

/// How findings name a port: `port 8080`, or the address and port.
func portResource(port: Int, address: String?) -> String {
    address.map { SocketAddress.text(ip: $0, port: port) } ?? "port \(port)"
}
