import Foundation

/// Writes a report so readers (monitoring, a textfile collector) never see half a file:
/// a temporary file in the same directory, then rename(2), which is atomic.
public enum ReportFile {
    public static func write(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = ((directory.isEmpty ? "." : directory) as NSString)
            .appendingPathComponent(".\(name).\(getpid()).tmp")
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw ReportFileError(path: path, reason: reason)
        }
    }
}

/// The report could not be put in place.
public struct ReportFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write report file \(path): \(reason)" }
}
