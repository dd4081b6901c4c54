import Foundation

/// The last runs, newest last, bounded so the state directory never grows: appending
/// the 101st record drops the oldest. Stored as JSON lines (`history.jsonl`); a line that
/// cannot be read (written by another version) is skipped rather than failing the run.
public struct RunHistory: Sendable {
    /// How many runs are kept.
    public static let limit = 100

    public private(set) var records: [RunRecord]

    public init(records: [RunRecord] = []) {
        self.records = Array(records.suffix(Self.limit))
    }

    /// The history in `directory` (empty when there is none yet).
    public static func load(from directory: StateDirectory) -> RunHistory {
        guard let data = directory.read(directory.history) else { return RunHistory() }
        let decoder = Self.decoder
        let records = data.split(separator: UInt8(ascii: "\n")).compactMap { line in
            try? decoder.decode(RunRecord.self, from: Data(line))
        }
        return RunHistory(records: records)
    }

    /// The newest record, if any.
    public var last: RunRecord? { records.last }

    /// The newest record with a report.
    public var lastSuccess: RunRecord? { records.last { $0.succeeded } }

    /// The newest report before this run (what transitions are computed against).
    public var lastReport: Report? { lastSuccess?.report }

    /// Adds `record`, dropping the oldest beyond `limit`.
    public mutating func append(_ record: RunRecord) {
        records.append(record)
        if records.count > Self.limit { records.removeFirst(records.count - Self.limit) }
    }

    /// Writes the history and, when `record` has a report, `last-report.json`.
    public func save(to directory: StateDirectory) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let lines = try records.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try directory.write(lines.map { $0 + "\n" }.joined(), to: directory.history)
        if let report = last?.report {
            try directory.write(JSONReportRenderer.render(report), to: directory.lastReport)
        }
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
