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

    /// The history file as stored, for a run that only adds itself to it: the lines stay the
    /// bytes they were read as and only the newest successful run is decoded. Decoding 100
    /// full reports to write them back unchanged was most of a large run's own CPU time.
    /// A line this version cannot read is kept until it ages out (another version wrote it).
    public struct Stored: Sendable {
        let directory: StateDirectory
        /// The file as read, and where each of its non-empty lines is in it.
        let data: Data
        let lines: [Range<Int>]

        public init(in directory: StateDirectory) {
            self.directory = directory
            data = directory.read(directory.history) ?? Data()
            lines = Self.lines(of: data)
        }

        /// The ranges of `data`'s non-empty lines, found with memchr: a generic
        /// `split` of a 25 MB history took more CPU than the rest of a 1,000-check run.
        static func lines(of data: Data) -> [Range<Int>] {
            data.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return [] }
                var lines: [Range<Int>] = []
                var start = 0
                while start < raw.count {
                    let end = memchr(base + start, Int32(UInt8(ascii: "\n")), raw.count - start).map { base.distance(to: $0) } ?? raw.count
                    if end > start { lines.append(data.startIndex + start..<data.startIndex + end) }
                    start = end + 1
                }
                return lines
            }
        }

        /// The newest run that produced a report, read from the newest line back.
        public var lastSuccess: RunRecord? {
            let decoder = RunHistory.decoder
            return lines.reversed().lazy.compactMap { try? decoder.decode(RunRecord.self, from: data[$0]) }.first { $0.succeeded }
        }

        /// Writes the history with `record` appended (the oldest dropped beyond `limit`)
        /// and, when `record` has a report, `last-report.json`. The lines kept are written
        /// from the buffer they were read into, as one piece.
        public func append(_ record: RunRecord) throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            let newline = Data([UInt8(ascii: "\n")])
            var chunks: [Data] = []
            if let first = lines.suffix(RunHistory.limit - 1).first {
                chunks.append(data[first.lowerBound...])
                if data.last != UInt8(ascii: "\n") { chunks.append(newline) }
            }
            chunks += [try encoder.encode(record), newline]
            try directory.write(chunks: chunks, to: directory.history)
            if let report = record.report {
                try directory.write(JSONReportRenderer.render(report), to: directory.lastReport)
            }
        }
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
