import ReconcileKit

/// What to do about each kind of host drift, as commands a person runs: the host
/// checker never acts on processes, ports or units itself. `systemctl` is suggested only
/// where systemd runs; elsewhere the commands name the processes by pid.
enum HostFixes {
    static let seeOwners = Fix(
        summary: "Run reconcile as root (or with CAP_SYS_PTRACE) so it can read every process's descriptors and "
            + "name the owner of the socket.")

    static let nameContainer = Fix(
        summary: "Add a docker: section (its endpoint is enough) so reconcile can say which container publishes the "
            + "port; `docker ps` shows it too.")

    static func start(_ spec: ListenSpec, systemd: Bool) -> Fix {
        guard let process = spec.process else {
            return Fix(summary: "Start the service that must listen on \(spec.resource), and check the address and port it binds.")
        }
        guard systemd else {
            return Fix(
                summary: "Start \(process) (however this host starts it: systemd does not run here) and check that its "
                    + "configuration binds \(spec.resource).")
        }
        return Fix(
            summary: "Start \(process) and check that its configuration binds \(spec.resource) (its logs say why it "
                + "did not, e.g. `journalctl -u \(process)`).", snippet: "systemctl start \(process)", language: "shell")
    }

    /// The socket is on another address than the manifest's: on every interface (`wide`:
    /// reachable from outside the host), or on another one.
    static func bindOnly(_ spec: ListenSpec, holders: [ObservedProcess], wide: Bool) -> Fix {
        let who = holders.isEmpty ? (spec.process ?? "the service") : HostVerdict.ownersText(holders)
        return Fix(
            summary: "Configure \(who) to bind \(spec.resource)\(wide ? " only" : "") (e.g. gunicorn --bind \(spec.resource), "
                + "Caddy's bind directive)" + (wide ? "; a socket on every interface is reachable from outside the host." : "."))
    }

    /// Commands that stop `holders` and keep them stopped: their units where systemd runs,
    /// else the processes by pid.
    static func stopCommands(_ holders: [ObservedProcess], systemd: Bool) -> [String] {
        guard systemd else { return holders.isEmpty ? [] : ["kill " + holders.prefix(10).map { String($0.pid) }.joined(separator: " ")] }
        return HostVerdict.unique(holders.map(\.name)).map { "systemctl disable --now \($0)" }
    }

    /// Another process holds the port the manifest gives to `process`.
    static func replaceHolder(
        _ spec: ListenSpec, process: String, holders: [ObservedProcess], publishers: [PortPublisher], systemd: Bool
    ) -> Fix {
        let commands = stopCommands(holders, systemd: systemd) + (systemd ? ["systemctl restart \(process)"] : [])
        return Fix(
            summary: "\(HostVerdict.ownersText(holders)) holds \(spec.resource), where \(process) must listen: stop it "
                + "(or move it to another port), then restart \(process).",
            snippet: commands.joined(separator: "\n"), language: "shell")
    }

    static func insideContainer(_ spec: ListenSpec, process: String, publishers: [PortPublisher]) -> Fix {
        let container = publishers.first?.container ?? "the container"
        return Fix(
            summary: "The container engine forwards \(spec.resource) into \(HostVerdict.containersText(publishers)): "
                + "check that \(process) listens there (`docker exec \(container) …`), or let the docker checker "
                + "judge the container and drop `process:` from this entry.")
    }

    /// A port that must be closed is open.
    static func close(_ spec: ClosedPortSpec, holders: [ObservedProcess], publishers: [PortPublisher], systemd: Bool) -> Fix {
        if let publisher = publishers.first {
            return Fix(
                summary: "Container \(publisher.container) publishes \(spec.resource) (\(publisher.binding)): remove the "
                    + "mapping (compose `ports:`, `docker run -p`) and recreate the container, or stop it.",
                snippet: "docker stop \(publisher.container)", language: "shell")
        }
        guard !holders.isEmpty else { return seeOwners }
        return Fix(
            summary: "\(HostVerdict.ownersText(holders)) listens on \(spec.resource): stop it, or configure it to use "
                + "another port (or only the loopback address).",
            snippet: stopCommands(holders, systemd: systemd).joined(separator: "\n"), language: "shell")
    }

    static func startProcess(_ name: String, systemd: Bool) -> Fix {
        guard systemd else { return Fix(summary: "Start \(name) (however this host starts it: systemd does not run here).") }
        return Fix(
            summary: "Start \(name) (its unit, or however this host starts it).", snippet: "systemctl start \(name)", language: "shell")
    }

    static func stopProcess(_ name: String, running: [ObservedProcess], systemd: Bool) -> Fix {
        let pids = running.prefix(10).map { String($0.pid) }.joined(separator: " ")
        guard systemd else {
            return Fix(
                summary: "Stop \(name) and remove what launches it (systemd does not run here; a second web server in "
                    + "front takes the ports Caddy needs).", snippet: "kill \(pids)", language: "shell")
        }
        return Fix(
            summary: "Stop \(name) and keep it from starting again (a second web server in front takes the ports "
                + "Caddy needs). If no unit starts it: `kill \(pids)`, and remove what launches it.",
            snippet: "systemctl disable --now \(name)", language: "shell")
    }
}
