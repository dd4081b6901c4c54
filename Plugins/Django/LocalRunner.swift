import Foundation
import ReconcileKit

/// Runs the introspection script with an interpreter on this host: `python - CONFIG`
/// in the project directory, the script on stdin. Nothing is written into the project:
/// the script goes in through stdin, and bytecode writing is off
/// (`PYTHONDONTWRITEBYTECODE`), so not even `__pycache__` appears.
///
/// Only an interpreter the operator config allows is started (an absolute path, and one
/// listed under `interpreters:` when the config lists any), with ``ChildEnvironment``'s
/// minimal environment: never reconcile's own.
enum LocalIntrospection {
    static func run(
        _ runner: DjangoSpec.LocalRunner, settingsModule: String, configuration: String, timeout: Duration,
        environment base: [String: String], config: OperatorConfig, logger: Logger? = nil
    ) async -> Result<RawRun, RunFailure> {
        if case .refused(let reason) = config.decide(.interpreter(runner.python)) {
            return .failure(RunFailure(.notAllowed, "runner.local.python: \(reason)"))
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runner.workdir, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            return .failure(RunFailure(.workdirMissing, "no directory at \(runner.workdir)"))
        }
        guard Self.isExecutableFile(runner.python) else {
            return .failure(RunFailure(.interpreterMissing, "no executable Python at \(runner.python)"))
        }
        let environment = Self.environment(base: base, runner: runner, settingsModule: settingsModule, config: config)
        for refused in environment.refused {
            logger?.warning("django: runner.local.env.\(refused.key) is not passed to Python: \(refused.reason)")
        }
        let output = await Subprocess.run(
            executable: runner.python, arguments: ["-", configuration], stdin: Data(IntrospectionScript.source.utf8),
            environment: environment.kept, workingDirectory: runner.workdir, timeout: timeout)
        if let failure = output.launchFailure {
            return .failure(RunFailure(.spawnFailed, failure.description))
        }
        if output.timedOut {
            let last = IntrospectionOutput.lastLine(output.stderr).map { " (last output: \($0))" } ?? ""
            return .failure(RunFailure(.timedOut, "Python did not finish within \(timeout.secondsText); it was killed\(last)"))
        }
        return .success(RawRun(stdout: output.stdout, stderr: output.stderr, status: output.status))
    }

    /// The child's whole environment: PATH, the manifest's `env` keys the operator config
    /// allows, then what the run needs; and the keys that were refused, with why.
    static func environment(
        base: [String: String], runner: DjangoSpec.LocalRunner, settingsModule: String, config: OperatorConfig
    ) -> (kept: [String: String], refused: [(key: String, reason: String)]) {
        var (environment, refused) = ChildEnvironment.filter(runner.environment, by: config)
        environment["PATH"] = ChildEnvironment.path(from: base)
        environment["DJANGO_SETTINGS_MODULE"] = settingsModule
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        return (environment, refused)
    }

    /// True for an executable regular file (or a link to one).
    static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}
