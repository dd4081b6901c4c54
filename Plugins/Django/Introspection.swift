import Foundation
import ReconcileKit

/// A value as the introspection script reports it: JSON with the types kept (`true` is
/// not `"True"`), plus the two things JSON cannot say: "a secret, set or not" and "an
/// object that is not data" (shown by its `repr`).
public indirect enum DjangoValue: Sendable, Hashable, Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([DjangoValue])
    /// Keys sorted, so the rendering is stable (Python dicts keep insertion order, but
    /// the comparison with the manifest does not depend on it).
    case map([String: DjangoValue])
    /// A value under a secret-looking key: only whether it is set.
    case hidden(set: Bool)
    /// Not representable as data (a callable, a custom object): its `repr` and type.
    case opaque(repr: String, type: String?)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([DjangoValue].self) {
            self = .list(value)
        } else {
            let map = try container.decode([String: DjangoValue].self)
            if case .bool(true)? = map["$hidden"] {
                if case .bool(let set)? = map["set"] { self = .hidden(set: set) } else { self = .hidden(set: true) }
            } else if case .string(let repr)? = map["$repr"] {
                if case .string(let type)? = map["$type"] {
                    self = .opaque(repr: repr, type: type)
                } else {
                    self = .opaque(repr: repr, type: nil)
                }
            } else {
                self = .map(map)
            }
        }
    }

    /// JSON-like, as `ManifestValue` renders, so expected and observed read alike.
    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): "\"\(value)\""
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries):
            "{" + entries.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        case .hidden(let set): set ? "<secret, set>" : "<secret, not set>"
        case .opaque(let repr, _): repr
        }
    }

    /// Typed equality with a manifest value: booleans only equal booleans, numbers equal
    /// numbers of the same value, lists compare item by item in order, mappings key by
    /// key in any order. A secret or an opaque object never equals anything. With
    /// `asPath`, strings compare as filesystem paths (`/app/media/` = `/app/media`).
    public func matches(_ expected: ManifestValue, asPath: Bool = false) -> Bool {
        switch (self, expected) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.int(let a), .double(let b)): return Double(a) == b
        case (.double(let a), .int(let b)): return a == Double(b)
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return asPath ? FilesystemPath.same(a, b) : a == b
        case (.list(let a), .list(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.matches($1, asPath: asPath) }
        case (.map(let a), .map(let b)):
            return a.count == b.count
                && b.allSatisfy { entry in a[entry.key].map { $0.matches(entry.value, asPath: asPath) } ?? false }
        default: return false
        }
    }
}

/// A Python exception as the script reports it: where it happened and its last line
/// (`ModuleNotFoundError: No module named 'django'`), never the whole traceback.
public struct PythonFailure: Sendable, Hashable, Decodable {
    /// What the script was doing: `import django`, `django.setup()`, …
    public var stage: String
    public var type: String
    /// The last line of the traceback, as Python prints it.
    public var lastLine: String
    /// The innermost frame in the project's own code, if any (relative to the workdir).
    public var file: String?
    public var line: Int?

    enum CodingKeys: String, CodingKey {
        case stage, type, file, line
        case lastLine = "last_line"
    }

    /// `mysite/settings.py:12`, when known.
    public var location: String? {
        guard let file else { return nil }
        return line.map { "\(file):\($0)" } ?? file
    }
}

/// The document the introspection script prints: what the running project resolved.
public struct Introspection: Sendable, Hashable, Decodable {
    public var format: Int
    public var python: String?
    public var executable: String?
    public var cwd: String?
    public var settingsModule: String?
    /// The settings module's file, relative to the workdir when inside it.
    public var settingsFile: String?
    /// Django's version.
    public var django: String?
    public var debug: Bool?
    public var settings: [String: SettingReport]?
    /// Whether `SECRET_KEY` and each database password are set; never their values.
    public var secrets: [String: Bool]?
    public var media: MediaReport?
    /// Where `default_storage` writes uploads (it need not be MEDIA_ROOT).
    public var storage: StorageReport?
    public var console: ConsoleReport?
    public var checks: ChecksReport?
    /// Set when the project could not be loaded at all.
    public var error: PythonFailure?

    enum CodingKeys: String, CodingKey {
        case format, python, executable, cwd, django, debug, settings, secrets, media, storage, console, checks, error
        case settingsModule = "settings_module"
        case settingsFile = "settings_file"
    }

    /// One named setting.
    public struct SettingReport: Sendable, Hashable, Decodable {
        /// Present when the setting exists (a JSON `null` is Python's None).
        public var value: DjangoValue?
        /// False when the value is Django's global default (settings.py never sets it).
        public var overridden: Bool?
        /// The project does not define it and Django has no default.
        public var missing = false
        /// A secret-looking name: only `set` is reported.
        public var hidden = false
        public var set: Bool?
        public var error: PythonFailure?
        public var source: SourceReport?

        enum CodingKeys: String, CodingKey {
            case value, overridden, missing, hidden, set, error, source
        }
    }

    /// Where a setting is last assigned, and the environment variables that assignment reads.
    public struct SourceReport: Sendable, Hashable, Decodable {
        public var file: String
        public var line: Int
        public var env: [String] = []
        /// The assignment, whitespace collapsed (left out when it mentions anything secret).
        public var statement: String?
        /// A value of the one variable read that gives the manifest's value, found by
        /// evaluating the assignment again (for simple expressions only).
        public var envFix: EnvironmentFix?

        enum CodingKeys: String, CodingKey {
            case file, line, env, statement
            case envFix = "env_fix"
        }
    }

    /// `NAME=value`, or "unset NAME".
    public struct EnvironmentFix: Sendable, Hashable, Decodable {
        public var name: String
        public var value: String?
        public var unset: Bool?
        /// The value the manifest itself gives the variable (tried first): equal to
        /// `value` when it gives the wanted setting, another when it contradicts it.
        public var pinned: String?
    }

    /// Whether `MEDIA_URL` resolves through the URLconf, and to what.
    public struct MediaReport: Sendable, Hashable, Decodable {
        public var url: String
        /// The path resolved (`/media/reconcile-probe.txt`).
        public var probe: String?
        public var resolves: Bool?
        /// MEDIA_URL is an absolute URL (a CDN): Django cannot serve it.
        public var external: Bool?
        /// `django.views.static.serve`, …
        public var view: String?
        public var route: String?
        public var urlconfFile: String?
        /// True when the matching route was made by `django.conf.urls.static.static()`,
        /// which makes routes only while DEBUG is on (whatever urls.py wraps around it);
        /// false for a route of its own; nil when it could not be told.
        public var staticHelper: Bool?
        public var error: PythonFailure?

        enum CodingKeys: String, CodingKey {
            case url, probe, resolves, external, view, route, error
            case urlconfFile = "urlconf_file"
            case staticHelper = "static_helper"
        }
    }

    /// Django's `default_storage`, which is where uploads go: STORAGES["default"] (or
    /// DEFAULT_FILE_STORAGE before Django 5.1) may point it anywhere, or off the machine,
    /// whatever MEDIA_ROOT says. Only its class and its directory are reported; no other
    /// option (a remote backend's options hold its keys).
    public struct StorageReport: Sendable, Hashable, Decodable {
        /// The setting that chooses the backend: `STORAGES["default"]` or `DEFAULT_FILE_STORAGE`.
        public var setting: String
        /// `django.core.files.storage.filesystem.FileSystemStorage`, `storages.backends.s3.S3Storage`, …
        public var backend: String?
        /// The directory it writes to; nil when it is not a FileSystemStorage (nothing local).
        public var location: String?
        /// True when `location` is MEDIA_ROOT (made absolute), false when the storage has its own.
        public var mediaRoot: Bool?
        /// The storage could not be built (a backend that fails to import): uploads fail too.
        public var error: PythonFailure?

        enum CodingKeys: String, CodingKey {
            case setting, backend, location, error
            case mediaRoot = "media_root"
        }
    }

    /// `console_logging` as the script traced it: for each named logger, the path a
    /// record at the wanted level takes, with DEBUG as the manifest wants it and, when
    /// the live DEBUG differs, as it is now.
    public struct ConsoleReport: Sendable, Hashable, Decodable {
        public var level: String
        public var liveDebug: Bool
        public var desiredDebug: Bool
        public var loggers: [String: Traces]
        /// With `prove`: what each logger's probe record was written to, in the container.
        public var proof: [String: Proof]?

        enum CodingKeys: String, CodingKey {
            case level, loggers, proof
            case liveDebug = "live_debug"
            case desiredDebug = "desired_debug"
        }

        /// The streams of the container's main process the probe record was written to.
        public struct Proof: Sendable, Hashable, Decodable {
            public var written: [String]
            public var error: PythonFailure?
        }

        /// One logger's routes; `live` only when the live DEBUG differs from the desired.
        public struct Traces: Sendable, Hashable, Decodable {
            public var desired: Route
            public var live: Route?
        }
    }

    /// Where a record from one logger goes, as `Logger.handle` decides it.
    public struct Route: Sendable, Hashable, Decodable {
        public var effectiveLevel: String
        public var disabled: Bool
        /// Set when the logger itself drops the record before any handler sees it.
        public var blocked: Blocked?
        /// Every handler up the propagation chain (or Python's last resort), in order.
        public var handlers: [HandlerRoute]
        /// The logger with `propagate: False` where the chain ends before the root.
        public var stopsAt: String?
        /// True when at least one handler writes the record to stdout or stderr.
        public var reaches: Bool

        enum CodingKeys: String, CodingKey {
            case disabled, blocked, handlers, reaches
            case effectiveLevel = "effective_level"
            case stopsAt = "stops_at"
        }

        public struct Blocked: Sendable, Hashable, Decodable {
            /// `disable` (logging.disable), `disabled`, `level` or `filter`.
            public var by: String
            /// The level that was too high (for `disable` and `level`).
            public var detail: String?
            /// The logger's filter that dropped the record (for `filter`).
            public var filter: FilterReport?
        }
    }

    /// One handler on the way, and what it did with the record.
    public struct HandlerRoute: Sendable, Hashable, Decodable {
        /// The logger holding it (nil for Python's last resort handler).
        public var logger: String?
        /// The name LOGGING gives it (`console`).
        public var name: String?
        /// `logging.StreamHandler`, `logging.FileHandler`, …
        public var className: String
        public var level: String
        /// `stream` (a StreamHandler that is not a FileHandler), `file`, or `other`.
        public var kind: String
        /// `stdout`, `stderr` or `other`, for streams.
        public var stream: String?
        /// `console` (written to stdout/stderr), `elsewhere` (written, not to the console),
        /// `level` (the handler's level is above the record's), `filter` (a filter
        /// dropped it), `error` (a filter raised).
        public var outcome: String
        public var filter: FilterReport?
        public var lastResort: Bool?

        enum CodingKeys: String, CodingKey {
            case logger, name, level, kind, stream, outcome, filter
            case className = "class"
            case lastResort = "last_resort"
        }
    }

    /// A filter that dropped the record.
    public struct FilterReport: Sendable, Hashable, Decodable {
        public var className: String
        /// True for RequireDebugTrue (and subclasses), false for RequireDebugFalse.
        public var requiresDebug: Bool?
        public var error: PythonFailure?

        enum CodingKeys: String, CodingKey {
            case error
            case className = "class"
            case requiresDebug = "requires_debug"
        }
    }

    /// The result of `run_checks(include_deployment_checks=True)`.
    public struct ChecksReport: Sendable, Hashable, Decodable {
        public var messages: [CheckMessage]?
        public var error: PythonFailure?
    }

    public struct CheckMessage: Sendable, Hashable, Decodable {
        public var id: String?
        public var level: Int
        public var message: String
        public var hint: String?
        public var object: String?
        /// Listed in the project's SILENCED_SYSTEM_CHECKS.
        public var silenced: Bool
    }
}

extension Introspection.SettingReport {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // `"value": null` is a value (None), not an absent key.
        value = container.contains(.value) ? try container.decode(DjangoValue.self, forKey: .value) : nil
        overridden = try container.decodeIfPresent(Bool.self, forKey: .overridden)
        missing = try container.decodeIfPresent(Bool.self, forKey: .missing) ?? false
        hidden = try container.decodeIfPresent(Bool.self, forKey: .hidden) ?? false
        set = try container.decodeIfPresent(Bool.self, forKey: .set)
        error = try container.decodeIfPresent(PythonFailure.self, forKey: .error)
        source = try container.decodeIfPresent(Introspection.SourceReport.self, forKey: .source)
    }
}
