/// A place in a manifest file, so every complaint can point an editor at it.
public struct SourcePosition: Sendable, Hashable, Codable, CustomStringConvertible {
    public let file: String
    /// 1-based.
    public let line: Int
    /// 1-based, counted in Unicode scalars (as libyaml does).
    public let column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case file, line, column
    }
}

/// Why a manifest was rejected: where (file, line, column), which key, and what is
/// wrong in words a human can act on. Typos must never silently disable a check, so
/// every decoding problem ends up as one of these.
public struct ManifestError: Error, Sendable, Hashable, CustomStringConvertible {
    public let position: SourcePosition
    /// The dotted path of the offending key, e.g. `caddy.sites[0].routes[1].path`;
    /// empty for problems with the document as a whole.
    public let keyPath: String
    public let message: String

    public init(position: SourcePosition, keyPath: String, message: String) {
        self.position = position
        self.keyPath = keyPath
        self.message = message
    }

    /// A problem with a file as a whole, placed at its start.
    public init(file: String, message: String) {
        self.init(position: SourcePosition(file: file, line: 1, column: 1), keyPath: "", message: message)
    }

    public var description: String {
        keyPath.isEmpty ? "\(position): \(message)" : "\(position): \(keyPath): \(message)"
    }
}

/// All the problems found in one manifest. Decoding goes on past a bad section so one
/// run of `reconcile validate` shows every error, not just the first.
public struct ManifestErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [ManifestError]

    /// The errors in file order, each once (a problem can be found both by the shape walk
    /// and by the decoder that reads the value).
    public init(_ errors: [ManifestError]) {
        var seen: Set<ManifestError> = []
        self.errors = errors.filter { seen.insert($0).inserted }.sorted {
            ($0.position.file, $0.position.line, $0.position.column)
                < ($1.position.file, $1.position.line, $1.position.column)
        }
    }

    /// One problem with `file` as a whole.
    public static func file(_ file: String, _ message: String) -> ManifestErrors {
        ManifestErrors([ManifestError(file: file, message: message)])
    }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
