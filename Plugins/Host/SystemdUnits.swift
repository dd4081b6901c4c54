import Foundation
import ReconcileKit

/// Asks systemd about units with `systemctl show` (machine-readable `Key=value` lines,
/// stable across versions, unlike `systemctl status`), and only where systemd is the
/// init system: in a container or on a machine whose PID 1 is something else,
/// `systemctl` has nobody to ask, so the units are unknown with that reason.
enum SystemdUnits {
    static let properties = ["Id", "LoadState", "ActiveState", "SubState", "UnitFileState"]
    static let timeout: Duration = .seconds(10)

    /// Why systemd cannot be asked on this host; nil when it runs. The test is
    /// `sd_booted()`'s: `/run/systemd/system` exists only when systemd is PID 1.
    static func notRunning(proc: String = "/proc", runDirectory: String = "/run/systemd/system") -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: runDirectory, isDirectory: &isDirectory), isDirectory.boolValue { return nil }
        let initName = ProcessTable.readText("\(proc)/1/comm")?.trimmingCharacters(in: .whitespacesAndNewlines)
        let pid1 = initName.map { "PID 1 is \(UntrustedText.excerpt($0))" } ?? "PID 1 cannot be read"
        return "systemd is not running on this host (\(pid1), and \(runDirectory) does not exist): its units cannot be observed"
    }

    /// The state of each unit, or why it could not be read.
    static func observe(_ units: [String], environment: [String: String]) async -> Result<[String: UnitState], ScanFailure> {
        if let reason = notRunning() { return .failure(ScanFailure(reason: reason)) }
        let path = ChildEnvironment.path(from: environment)
        guard let systemctl = ChildEnvironment.executable("systemctl", in: path) else {
            return .failure(ScanFailure(reason: "systemd runs but systemctl is not on PATH (\(path))"))
        }
        let output = await Subprocess.run(
            executable: systemctl, arguments: ["show", "--property=" + properties.joined(separator: ","), "--"] + units,
            environment: ["PATH": path, "LANG": "C", "SYSTEMD_PAGER": ""], workingDirectory: "/", timeout: timeout,
            outputLimit: 1 << 20)
        if let failure = output.launchFailure { return .failure(ScanFailure(reason: failure.description)) }
        guard output.status == 0, !output.timedOut else {
            let message = UntrustedText.excerpt(String(decoding: output.stderr, as: UTF8.self))
            return .failure(ScanFailure(reason: "systemctl show exited \(output.status): \(message)"))
        }
        return .success(parse(String(decoding: output.stdout, as: UTF8.self), units: units))
    }

    /// `systemctl show`'s output: one block of `Key=value` lines per unit, in the order
    /// asked, blocks separated by an empty line.
    static func parse(_ text: String, units: [String]) -> [String: UnitState] {
        let blocks = text.components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        var states: [String: UnitState] = [:]
        for (unit, block) in zip(units, blocks) {
            var values: [String: String] = [:]
            for line in block.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                values[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            states[unit] = UnitState(
                loadState: values["LoadState"] ?? "", activeState: values["ActiveState"] ?? "",
                subState: values["SubState"] ?? "", unitFileState: values["UnitFileState"] ?? "")
        }
        return states
    }
}
