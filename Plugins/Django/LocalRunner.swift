import Foundation
import ReconcileKit

/// Runs the introspection script with an interpreter on this host: `python - CONFIG`
/// in the project directory, the script on stdin. Nothing is written into the project:
/// the script goes in through stdin, and bytecode writing is off
/// (`PYTHONDONTWRITEBYTECODE`), so not even `__pycache__` appears.
enum LocalIntrospection {
    static func run(
        _ runner: DjangoSpec.LocalRunner, settingsModule: String, configuration: String, timeout: Duration,
        environment base: [String: String]
    ) async -> Result<RawRun, RunFailure> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runner.workdir, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            return .failure(RunFailure(.workdirMissing, "no directory at \(runner.workdir)"))
        }
        guard let python = executable(runner.python, workdir: runner.workdir, environment: base) else {
            return .failure(RunFailure(.interpreterMissing, "no executable Python at \(runner.python)"))
        }
        let environment = Self.environment(base: base, runner: runner, settingsModule: settingsModule)
        let output = await Subprocess.run(
            executable: python, arguments: ["-", configuration], stdin: Data(IntrospectionScript.source.utf8),
            environment: environment, workingDirectory: runner.workdir, timeout: timeout)
        if let failure = output.launchFailure {
            return .failure(RunFailure(.spawnFailed, failure.description))
        }
        if output.timedOut {
            let last = IntrospectionOutput.lastLine(output.stderr).map { " (last output: \($0))" } ?? ""
            return .failure(RunFailure(.timedOut, "Python did not finish within \(timeout.secondsText); it was killed\(last)"))
        }
        return .success(RawRun(stdout: output.stdout, stderr: output.stderr, status: output.status))
    }

    /// reconcile's own environment, then the manifest's `env`, then what the run needs.
    static func environment(
        base: [String: String], runner: DjangoSpec.LocalRunner, settingsModule: String
    ) -> [String: String] {
        var environment = base
        environment.merge(runner.environment) { $1 }
        environment["DJANGO_SETTINGS_MODULE"] = settingsModule
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        return environment
    }

    /// The interpreter's path: as given when it contains a `/` (relative to the
    /// workdir), else looked up on PATH. nil when there is nothing executable there.
    static func executable(_ python: String, workdir: String, environment: [String: String]) -> String? {
        let manager = FileManager.default
        func usable(_ path: String) -> Bool {
            var isDirectory: ObjCBool = false
            return manager.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && manager.isExecutableFile(atPath: path)
        }
        if python.contains("/") {
            let path = python.hasPrefix("/") ? python : (workdir as NSString).appendingPathComponent(python)
            return usable(path) ? path : nil
        }
        let searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(python)"
            if usable(candidate) { return candidate }
        }
        return nil
    }
}
