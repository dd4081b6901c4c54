import Foundation

/// Writes a report so readers (monitoring, a textfile collector) never see half a file:
/// a temporary file in the same directory, then rename(2), which is atomic.
public enum ReportFile {
    public static func write(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = ((directory.isEmpty ? "." : directory) as NSString)
            .appendingPathComponent(".\(name).\(getpid()).tmp")
        // POSIX calls rather than Data.write, so a failure reads "No such file or
        // directory" about the report's path instead of Foundation's error dump about
        // the temporary file; fsync before rename so the new report is on disk first.
        func failure() -> ReportFileError {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return ReportFileError(path: path, reason: reason)
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw ReportFileError(path: path, reason: String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Foundation.write(descriptor, buffer.baseAddress! + written, bytes.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let error = failure()
                close(descriptor)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let error = failure()
            close(descriptor)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw failure() }
    }
}

/// The report could not be put in place.
public struct ReportFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write report file \(path): \(reason)" }
}
