import ReconcileKit

/// One published port, as `docker run -p` and compose spell it:
/// `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`.
public struct PortBinding: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// nil means every interface (`0.0.0.0`, `::` or empty in the API).
    public var hostIP: String?
    /// nil means a port the engine picks; with `hostPortLast`, the first port of the
    /// range it picks from.
    public var hostPort: Int?
    /// The last port of a host range for one container port (`8080-8081:80`): the engine
    /// publishes the container port on one free port of the range, so any of them is in
    /// sync. nil for a single host port.
    public var hostPortLast: Int?
    public var containerPort: Int
    /// `tcp`, `udp` or `sctp`.
    public var proto: String

    public init(hostIP: String? = nil, hostPort: Int?, hostPortLast: Int? = nil, containerPort: Int, proto: String = "tcp") {
        self.hostIP = Self.normalisedIP(hostIP)
        self.hostPort = hostPort
        self.hostPortLast = hostPort != nil && hostPortLast != hostPort ? hostPortLast : nil
        self.containerPort = containerPort
        self.proto = proto.lowercased()
    }

    /// Empty, `0.0.0.0` and `::` all mean "every interface"; brackets around IPv6 go.
    static func normalisedIP(_ ip: String?) -> String? {
        guard var ip = ip?.trimmingCharacters(in: .whitespaces), !ip.isEmpty else { return nil }
        if ip.hasPrefix("[") && ip.hasSuffix("]") { ip = String(ip.dropFirst().dropLast()) }
        return ["0.0.0.0", "::", "*"].contains(ip) ? nil : ip
    }

    /// Parses one `-p` style entry; ranges (`8000-8001:8000-8001`) expand to one binding
    /// per port, and a host range for one container port (`8080-8081:80`, as Docker and
    /// Compose accept it) is one binding whose host port the engine picks in that range.
    /// Throws a message for the manifest error.
    public static func parse(_ text: String) throws(PortSyntaxError) -> [PortBinding] {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        var proto = "tcp"
        if let slash = body.lastIndex(of: "/") {
            proto = String(body[body.index(after: slash)...]).lowercased()
            body = body[..<slash]
            guard ["tcp", "udp", "sctp"].contains(proto) else {
                throw PortSyntaxError("unknown protocol '\(proto)' in '\(text)' (tcp, udp or sctp)")
            }
        }
        var hostIP: String?
        if body.hasPrefix("[") {
            guard let close = body.firstIndex(of: "]") else { throw PortSyntaxError("unclosed '[' in '\(text)'") }
            hostIP = String(body[body.index(after: body.startIndex)..<close])
            body = body[body.index(after: close)...]
            guard body.hasPrefix(":") else { throw PortSyntaxError("expected ':' after the IPv6 address in '\(text)'") }
            body = body.dropFirst()
        }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let hostPortText: String?
        let containerText: String
        switch (parts.count, hostIP) {
        case (1, nil):
            hostPortText = nil
            containerText = parts[0]
        case (2, nil):
            hostPortText = parts[0]
            containerText = parts[1]
        case (3, nil):
            hostIP = parts[0]
            hostPortText = parts[1]
            containerText = parts[2]
        case (2, .some):
            hostPortText = parts[0]
            containerText = parts[1]
        default:
            throw PortSyntaxError(
                "'\(text)' is not a port binding (expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL])")
        }
        if let ip = hostIP, ip.isEmpty || ip.contains(where: { $0.isWhitespace }) {
            throw PortSyntaxError("invalid host address in '\(text)'")
        }
        let containerPorts = try range(containerText, in: text)
        let hostPorts: [Int?]
        if let hostPortText, !hostPortText.isEmpty {
            let parsed = try range(hostPortText, in: text)
            if containerPorts.count == 1, parsed.count > 1 {
                return [
                    PortBinding(
                        hostIP: hostIP, hostPort: parsed.first, hostPortLast: parsed.last, containerPort: containerPorts[0],
                        proto: proto)
                ]
            }
            guard parsed.count == containerPorts.count else {
                throw PortSyntaxError(
                    "'\(text)': the host and container port ranges differ in length (a host range is allowed for one "
                        + "container port)")
            }
            hostPorts = parsed
        } else {
            hostPorts = Array(repeating: nil, count: containerPorts.count)
        }
        return zip(hostPorts, containerPorts).map {
            PortBinding(hostIP: hostIP, hostPort: $0, containerPort: $1, proto: proto)
        }
    }

    /// The host side as the engine API and `-p` spell it: `8080`, `8080-8081`, or
    /// empty for a port the engine picks.
    public var hostPortText: String {
        guard let hostPort else { return "" }
        return hostPortLast.map { "\(hostPort)-\($0)" } ?? String(hostPort)
    }

    /// An engine's `HostPort` (`""`, `"8080"`, or a range `"8080-8081"`), as this type
    /// holds it: nil for empty or unreadable.
    static func hostPorts(_ text: String?) -> (first: Int?, last: Int?) {
        guard let text, !text.isEmpty, let ports = try? range(text, in: text) else { return (nil, nil) }
        return (ports.first, ports.count > 1 ? ports.last : nil)
    }

    /// `parse`, with a failure as a manifest error at `node`.
    static func parse(_ text: String, at node: ManifestNode) throws -> [PortBinding] {
        do {
            return try parse(text)
        } catch {
            throw node.error(error.description)
        }
    }

    private static func range(_ text: String, in whole: String) throws(PortSyntaxError) -> [Int] {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count) else { throw PortSyntaxError("invalid port '\(text)' in '\(whole)'") }
        var numbers: [Int] = []
        for bound in bounds {
            guard let port = Int(bound), (1...65535).contains(port) else {
                throw PortSyntaxError("invalid port '\(text)' in '\(whole)' (1 to 65535)")
            }
            numbers.append(port)
        }
        guard numbers.count == 2 else { return numbers }
        guard numbers[0] <= numbers[1], numbers[1] - numbers[0] < 1000 else {
            throw PortSyntaxError("invalid port range '\(text)' in '\(whole)'")
        }
        return Array(numbers[0]...numbers[1])
    }

    /// `127.0.0.1:8000:8000`, `8000:8000`, `53:53/udp`, as a manifest would write it.
    public var description: String {
        var text = ""
        if let hostIP { text += hostIP.contains(":") ? "[\(hostIP)]:" : "\(hostIP):" }
        if hostPort != nil {
            text += "\(hostPortText):"
        } else if hostIP != nil {
            text += ":"
        }
        text += String(containerPort)
        if proto != "tcp" { text += "/\(proto)" }
        return text
    }

    public static func < (lhs: PortBinding, rhs: PortBinding) -> Bool {
        (lhs.containerPort, lhs.proto, lhs.hostIP ?? "", lhs.hostPort ?? 0, lhs.hostPortLast ?? 0)
            < (rhs.containerPort, rhs.proto, rhs.hostIP ?? "", rhs.hostPort ?? 0, rhs.hostPortLast ?? 0)
    }

    /// True when `observed` publishes what this (desired) binding asks for: the same
    /// container port and protocol, interface, and host port (unless left to the engine;
    /// for a range, any port in it, or the same range on a container not running).
    func isSatisfied(by observed: PortBinding) -> Bool {
        guard containerPort == observed.containerPort, proto == observed.proto, hostIP == observed.hostIP else { return false }
        guard let hostPort else { return true }
        guard let last = hostPortLast else { return hostPort == observed.hostPort && observed.hostPortLast == nil }
        if observed.hostPortLast != nil { return observed.hostPort == hostPort && observed.hostPortLast == last }
        return observed.hostPort.map { (hostPort...last).contains($0) } ?? false
    }
}

/// Why a port string could not be read.
public struct PortSyntaxError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
