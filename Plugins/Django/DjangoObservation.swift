import Foundation
import ReconcileKit

/// What one introspection run produced: the project's resolved settings, or why they
/// could not be read. A failure is data, not a thrown error, so `compare` can turn it
/// into an `unknown` finding with a repair hint (a thrown error would lose the hint).
public struct DjangoObservation: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case introspected(Introspection)
        case failed(RunFailure)
    }

    /// How the project was reached, for messages (`local .venv/bin/python in /srv/app`,
    /// `container backend via unix:///var/run/docker.sock`).
    public var runner: String
    public var outcome: Outcome
    /// With `console_logging.prove`: which loggers' probe records the container's log
    /// showed, or why it could not be read.
    public var consoleLog: ConsoleLogProof?

    /// The introspection, when the project could be read.
    public var introspection: Introspection? {
        if case .introspected(let introspection) = outcome { return introspection }
        return nil
    }

    /// A setting's resolved value (nil when unknown, missing or secret). Names in
    /// `DjangoChecker.alwaysReported` are always there; others only when the manifest
    /// names them.
    public func value(of setting: String) -> DjangoValue? {
        introspection?.settings?[setting]?.value
    }
}

/// Why the settings could not be read. `message` is the one line a person needs (the
/// last line of the Python error, the engine's answer); the verdict adds the repair.
public struct RunFailure: Error, Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// The interpreter does not exist or is not executable.
        case interpreterMissing
        /// The project directory does not exist.
        case workdirMissing
        /// The interpreter could not be started (permissions, a bad binary).
        case spawnFailed
        /// No answer within `timeout_ms`; the process was killed.
        case timedOut
        /// `import django` failed in that interpreter.
        case djangoMissing
        /// The settings (or what they import) raised while loading.
        case settingsFailed
        /// Python ran but printed no introspection document (a crash, an old Python).
        case scriptFailed
        /// The Docker engine could not be reached or refused the request.
        case engineUnavailable
        /// No container of that name.
        case containerMissing
        /// The container exists but is not running, so nothing can be run in it.
        case containerNotRunning
        /// The run's request policy refused the exec (an engine that is read-only).
        case refusedByPolicy
        /// The operator config does not let a manifest run this interpreter or exec into
        /// this container; nothing was executed.
        case notAllowed
    }

    public var kind: Kind
    public var message: String
    /// Where in the project, when Python said (`mysite/settings.py:12`).
    public var location: String?
    /// A repair the runner already knows (the engine client's hints); the verdict
    /// supplies one per kind otherwise.
    public var hint: String?

    public init(_ kind: Kind, _ message: String, location: String? = nil, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.hint = hint
    }
}

/// What a finished interpreter left behind, before interpretation.
public struct RawRun: Sendable, Hashable {
    public var stdout: Data
    public var stderr: Data
    /// The exit status (nil when unknown, e.g. the engine did not say).
    public var status: Int32?
}

/// Reads a run's output into an outcome. Pure, so recorded outputs (good, broken, a
/// project that prints while loading) are unit-tested without running Python.
public enum IntrospectionOutput {
    /// The line before the JSON document; anything the project printed comes before it.
    public static let marker = "@@reconcile-django-introspection@@"

    public static func outcome(of run: RawRun) -> DjangoObservation.Outcome {
        guard let document = document(in: run.stdout) else {
            return .failed(noDocument(run))
        }
        let introspection: Introspection
        do {
            introspection = try JSONDecoder().decode(Introspection.self, from: document)
        } catch {
            return .failed(RunFailure(.scriptFailed, "the introspection output cannot be read: \(error)"))
        }
        guard let failure = introspection.error else { return .introspected(introspection) }
        return .failed(Self.failure(from: failure))
    }

    /// The bytes after the marker line, if there is one.
    static func document(in stdout: Data) -> Data? {
        let markerLine = Data(("\n" + marker + "\n").utf8)
        let prefixed = Data("\n".utf8) + stdout
        guard let range = prefixed.range(of: markerLine, options: .backwards) else { return nil }
        return prefixed[range.upperBound...]
    }

    static func failure(from python: PythonFailure) -> RunFailure {
        let kind: RunFailure.Kind =
            switch python.stage {
            case "import django": .djangoMissing
            case "django.setup()": .settingsFailed
            default: .scriptFailed
            }
        return RunFailure(kind, python.lastLine, location: python.location)
    }

    /// Python printed no document: it failed before the script ran (a syntax error in a
    /// very old Python, a missing executable inside a container) or was killed.
    static func noDocument(_ run: RawRun) -> RunFailure {
        let last = lastLine(run.stderr) ?? lastLine(run.stdout)
        let status = run.status.map { " (exit status \($0))" } ?? ""
        // 126/127: the shell's and runc's "cannot execute" / "not found".
        if let status = run.status, status == 126 || status == 127 {
            // The engine's own explanation ("exec: python3: executable file not found in
            // $PATH") may be followed by noise about the closed stream.
            let text = String(decoding: run.stderr + run.stdout, as: UTF8.self)
            let reason = text.split(whereSeparator: \.isNewline).last {
                $0.contains("not found") || $0.contains("no such file") || $0.contains("permission denied")
            }
            return RunFailure(
                .interpreterMissing,
                reason.map { String($0.trimmingCharacters(in: .whitespaces).prefix(500)) } ?? last
                    ?? "the interpreter could not be executed\(status)")
        }
        if let status = run.status, status > 128 || status < 0 {
            let signal = status > 128 ? status - 128 : -status
            return RunFailure(.scriptFailed, (last.map { "\($0); " } ?? "") + "Python was killed by signal \(signal)")
        }
        return RunFailure(.scriptFailed, (last ?? "Python printed nothing") + status)
    }

    /// The last non-empty line, trimmed and cut to a readable length.
    static func lastLine(_ data: Data) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        guard
            let line = text.split(whereSeparator: \.isNewline).last(where: {
                !$0.trimmingCharacters(in: .whitespaces).isEmpty
            })
        else { return nil }
        return String(line.trimmingCharacters(in: .whitespaces).prefix(500))
    }
}
