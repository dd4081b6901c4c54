import ReconcileKit

/// The pure half of the host checker: each `listen`, `not_listening`, process and unit
/// entry against what was observed. A socket whose owner could not be seen, and a port
/// a container engine's proxy holds for a container, are said as such: never taken as
/// the process the manifest expects.
enum HostVerdict {
    /// Processes that hold host ports on behalf of containers.
    static let proxies: Set<String> = [
        "docker-proxy", "rootlessport", "rootlessport-ch", "conmon", "slirp4netns", "pasta", "pasta.avx2", "rootlesskit",
    ]

    static func findings(_ spec: HostSpec, _ observation: HostObservation) -> [Finding] {
        spec.listen.map { listen($0, observation) } + spec.notListening.map { closed($0, observation) }
            + spec.present.map { process($0, mustRun: true, observation) }
            + spec.absent.map { process($0, mustRun: false, observation) }
            + spec.services.map { service($0, observation) }
    }

    // MARK: Sockets

    static func listen(_ spec: ListenSpec, _ observation: HostObservation) -> Finding {
        var finding = Finding(
            checker: HostChecker.identifier, resource: spec.resource, status: .ok,
            expected: "listening" + (spec.process.map { " (\($0))" } ?? ""), message: "", position: spec.position)
        guard let sockets = observation.sockets else {
            return unknown(finding, "the listening sockets could not be read: \(observation.socketsProblem ?? "no reason given")")
        }
        let onPort = sockets.filter { $0.address.port == spec.port }
        let matching = onPort.filter { spec.address == nil || $0.address.ip == spec.address }
        let publishers = publishers(of: spec.port, address: spec.address, observation)
        finding.observed = observedText(matching, publishers)
        if matching.isEmpty && publishers.isEmpty {
            finding.status = .drift
            if let address = spec.address, let wide = onPort.first(where: { $0.address.isWildcard && $0.takes(address) }) {
                finding.observed = observedText([wide], [])
                finding.message =
                    "listens on every interface (\(wide.address)), not only \(address)" + dualStackNote(wide, address, observation)
                finding.fix = HostFixes.bindOnly(spec, holders: wide.owners, wide: true)
            } else if let other = onPort.first {
                finding.observed = observedText(onPort, [])
                finding.message = "port \(spec.port) listens on \(other.addressText), not \(spec.resource)"
                finding.fix = HostFixes.bindOnly(spec, holders: other.owners, wide: false)
            } else {
                finding.observed = "nothing listens"
                finding.message = "nothing listens on \(spec.resource)"
                finding.fix = HostFixes.start(spec, systemd: observation.systemdRuns ?? true)
            }
            return finding
        }
        let owners = unique(matching.flatMap(\.owners))
        guard let process = spec.process else {
            finding.message = "listening: \(finding.observed ?? "")"
            return finding
        }
        if owners.contains(where: { $0.isNamed(process) }) {
            finding.message = "\(process) listens on \(spec.resource)"
            return finding
        }
        let proxies = owners.filter(isProxy)
        if !publishers.isEmpty && (owners.isEmpty || proxies.count == owners.count) {
            // The engine forwards the port; the process inside the container is not
            // visible from the host's socket table.
            finding.status = .unknown
            finding.severity = .warning
            finding.message =
                "\(spec.resource) is published by \(containersText(publishers))"
                + (proxies.isEmpty ? "" : " (held by \(ownersText(proxies)))")
                + "; whether \(process) listens inside it is not observed"
            finding.fix = HostFixes.insideContainer(spec, process: process, publishers: publishers)
            return finding
        }
        if !owners.isEmpty && proxies.count == owners.count {
            // A container engine's proxy, but no container is known to publish the port.
            return unknown(
                finding,
                "\(spec.resource) is held by \(ownersText(proxies)), a container engine's port proxy; which container "
                    + "publishes it is not known (\(observation.publishersProblem ?? "no running container lists it"))",
                fix: HostFixes.nameContainer)
        }
        if owners.isEmpty {
            return unknown(
                finding, "\(spec.resource) is listening, but its owner cannot be seen\(hiddenText(observation))",
                fix: HostFixes.seeOwners)
        }
        finding.status = .drift
        finding.message = "\(spec.resource) is held by \(ownersText(owners)), not \(process)"
        finding.fix = HostFixes.replaceHolder(
            spec, process: process, holders: owners, publishers: publishers, systemd: observation.systemdRuns ?? true)
        return finding
    }

    static func closed(_ spec: ClosedPortSpec, _ observation: HostObservation) -> Finding {
        var finding = Finding(
            checker: HostChecker.identifier, resource: spec.resource, status: .ok, expected: "closed", message: "",
            position: spec.position)
        guard let sockets = observation.sockets else {
            return unknown(finding, "the listening sockets could not be read: \(observation.socketsProblem ?? "no reason given")")
        }
        let open = sockets.filter { socket in
            socket.address.port == spec.port && (spec.address.map { socket.takes($0) } ?? true)
        }
        let publishers = publishers(of: spec.port, address: spec.address, observation)
        guard !open.isEmpty || !publishers.isEmpty else {
            finding.observed = "closed"
            finding.message = "nothing listens on \(spec.resource)"
            return finding
        }
        let owners = unique(open.flatMap(\.owners))
        finding.status = .drift
        finding.observed = observedText(open, publishers)
        finding.message = "\(spec.resource) must be closed, but it is open: \(finding.observed ?? "")"
        if let address = spec.address { finding.message += open.map { dualStackNote($0, address, observation) }.joined() }
        if owners.isEmpty && publishers.isEmpty { finding.message += hiddenText(observation) }
        finding.fix = HostFixes.close(
            spec, holders: owners.filter { !isProxy($0) }, publishers: publishers, systemd: observation.systemdRuns ?? true)
        return finding
    }

    // MARK: Processes

    /// A process that must run (`mustRun`) or must not. Not seeing one is only proof of
    /// its absence when the scan went through every process.
    static func process(_ spec: ProcessSpec, mustRun: Bool, _ observation: HostObservation) -> Finding {
        var finding = Finding(
            checker: HostChecker.identifier, resource: spec.name, status: .ok, expected: mustRun ? "running" : "not running",
            message: "", position: spec.position)
        guard let processes = observation.processes else {
            return unknown(finding, "the processes could not be read: \(observation.processesProblem ?? "no reason given")")
        }
        let running = processes.filter { $0.isNamed(spec.name) }
        if running.isEmpty {
            if let incomplete = observation.scanIncomplete {
                return unknown(finding, "no process named \(spec.name) was seen, but the scan was incomplete (\(incomplete))")
            }
            finding.observed = "not running"
            finding.message = "no process named \(spec.name) runs"
            if mustRun {
                finding.status = .drift
                finding.fix = HostFixes.startProcess(spec.name, systemd: observation.systemdRuns ?? true)
            }
            return finding
        }
        finding.observed = ownersText(running)
        finding.message = "\(spec.name) runs" + (mustRun ? "" : " and must not") + ": \(ownersText(running))"
        if !mustRun {
            finding.status = .drift
            finding.fix = HostFixes.stopProcess(spec.name, running: running, systemd: observation.systemdRuns ?? true)
        }
        return finding
    }

    // MARK: Services

    static func service(_ spec: ServiceSpec, _ observation: HostObservation) -> Finding {
        var expected: [String] = []
        if let active = spec.active { expected.append(active ? "active" : "inactive") }
        if let enabled = spec.enabled { expected.append(enabled ? "enabled" : "disabled") }
        var finding = Finding(
            checker: HostChecker.identifier, resource: spec.unit, status: .ok,
            expected: expected.isEmpty ? "installed" : expected.joined(separator: ", "), message: "", position: spec.position)
        guard let services = observation.services else {
            return unknown(finding, observation.servicesProblem ?? "systemd was not asked")
        }
        guard let state = services[spec.unit] else { return unknown(finding, "systemctl show did not report \(spec.unit)") }
        finding.observed = [
            state.loadState, state.activeState + (state.subState.isEmpty ? "" : " (\(state.subState))"), state.unitFileState,
        ]
        .filter { !$0.isEmpty }.joined(separator: ", ")
        if state.loadState == "not-found" {
            finding.status = .drift
            finding.message = "\(spec.unit) is not installed"
            finding.fix = Fix(summary: "Install the package that provides \(spec.unit), or correct the unit's name.")
            return finding
        }
        var problems: [String] = []
        var commands: [String] = []
        let isActive = state.activeState == "active"
        if let active = spec.active, active != isActive {
            problems.append(active ? "is \(state.activeState), not active" : "is active and must be stopped")
            commands.append(active ? "systemctl start \(spec.unit)" : "systemctl stop \(spec.unit)")
        }
        let isEnabled = state.unitFileState.hasPrefix("enabled")
        if let enabled = spec.enabled, enabled != isEnabled {
            problems.append(enabled ? "is \(state.unitFileState.isEmpty ? "not enabled" : state.unitFileState), not enabled" : "is enabled")
            commands.append(enabled ? "systemctl enable \(spec.unit)" : "systemctl disable \(spec.unit)")
        }
        guard !problems.isEmpty else {
            finding.message = "\(spec.unit) is \(finding.observed ?? "")"
            return finding
        }
        finding.status = .drift
        finding.message = "\(spec.unit) " + problems.joined(separator: " and ")
        finding.fix = Fix(
            summary: "Bring \(spec.unit) to its desired state (\(finding.expected ?? "")); if it fails to start, read "
                + "`journalctl -u \(spec.unit)`.", snippet: commands.joined(separator: "\n"), language: "shell")
        return finding
    }

    // MARK: Text

    static func isProxy(_ process: ObservedProcess) -> Bool {
        proxies.contains(process.name) || process.executable.map { proxies.contains(String($0.split(separator: "/").last ?? "")) } == true
    }

    static func publishers(of port: Int, address: String?, _ observation: HostObservation) -> [PortPublisher] {
        (observation.publishers ?? []).filter {
            $0.binding.hostPort == port && (address == nil || $0.binding.hostIP == nil || $0.binding.hostIP == address)
        }
    }

    /// Said where a socket on `[::]` is taken to answer an IPv4 address without the kernel
    /// having said it is not IPv6-only; empty otherwise.
    static func dualStackNote(_ socket: ListeningSocket, _ address: String, _ observation: HostObservation) -> String {
        guard socket.address.ip == "::", socket.ipv6Only == nil, !address.contains(":") else { return "" }
        return " (read as taking IPv4 too, Linux's default: whether it is IPv6-only could not be asked: "
            + "\(observation.ipv6OnlyProblem ?? "the kernel did not list it"))"
    }

    /// `127.0.0.1:8000 held by gunicorn (pids 10, 11, /usr/bin/python3.11); published by container web`.
    static func observedText(_ sockets: [ListeningSocket], _ publishers: [PortPublisher]) -> String {
        var parts = sockets.map { socket in
            "\(socket.addressText) held by "
                + (socket.owners.isEmpty ? "an owner that cannot be seen (uid \(socket.uid))" : ownersText(socket.owners))
        }
        if !publishers.isEmpty { parts.append("published by \(containersText(publishers))") }
        return parts.joined(separator: "; ")
    }

    /// `container web (container port 80)`, `containers web, api (container ports 80, 8000)`.
    static func containersText(_ publishers: [PortPublisher]) -> String {
        let names = unique(publishers.map(\.container))
        let ports = unique(publishers.map { String($0.binding.containerPort) })
        return (names.count == 1 ? "container " : "containers ") + names.joined(separator: ", ")
            + " (container port\(ports.count == 1 ? "" : "s") \(ports.joined(separator: ", ")))"
    }

    /// `nginx (pid 12, /usr/sbin/nginx)`, `gunicorn (pids 10, 11, 12, /usr/bin/python3.11)`:
    /// one entry per name.
    static func ownersText(_ processes: [ObservedProcess]) -> String {
        let names = unique(processes.map(\.name))
        return names.map { name in
            let group = processes.filter { $0.name == name }
            let pids = group.prefix(5).map { String($0.pid) }.joined(separator: ", ") + (group.count > 5 ? ", …" : "")
            let path = group.first?.executable.map { ", \($0)" } ?? ""
            return "\(name) (pid\(group.count == 1 ? "" : "s") \(pids)\(path))"
        }.joined(separator: ", ")
    }

    static func hiddenText(_ observation: HostObservation) -> String {
        var reasons: [String] = []
        if observation.hiddenProcesses > 0 {
            reasons.append("\(observation.hiddenProcesses) processes' descriptors could not be read without privileges")
        }
        if let incomplete = observation.scanIncomplete { reasons.append("the scan was incomplete: \(incomplete)") }
        return reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"
    }

    static func unique<Element: Hashable>(_ items: [Element]) -> [Element] {
        var seen: Set<Element> = []
        return items.filter { seen.insert($0).inserted }
    }

    static func unknown(_ finding: Finding, _ reason: String, fix: Fix? = nil) -> Finding {
        var result = finding
        result.status = .unknown
        result.severity = .warning
        result.message = reason
        result.fix = fix
        return result
    }
}
