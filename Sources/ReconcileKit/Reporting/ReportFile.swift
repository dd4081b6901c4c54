import Foundation

/// Writes a report so readers (monitoring, a textfile collector) never see half a file:
/// a temporary file in the same directory, then rename(2), which is atomic.
///
/// reconcile runs as root, often in a directory others can write to: a predictable
/// temporary name would let a local user plant a symbolic link there and redirect the
/// write onto any file. So the temporary name is random, and it is created with
/// `O_CREAT | O_EXCL | O_NOFOLLOW`: it must be new, and a link is never followed.
/// rename(2) then replaces the report path itself, never a file a link there points to.
public enum ReportFile {
    /// How many random names are tried before giving up (a collision means someone is
    /// planting files at random names; 2^-64 odds each otherwise).
    static let attempts = 16

    /// `permissions` apply to the new file (before the umask); the state directory's files use 0600.
    public static func write(_ text: String, to path: String, permissions: mode_t = 0o644) throws {
        try write(chunks: [Data(text.utf8)], to: path, permissions: permissions)
    }

    /// `chunks` one after another, as they are: a file rewritten from pieces of what was
    /// read is not copied into one buffer first.
    public static func write(chunks: [Data], to path: String, permissions: mode_t = 0o644) throws {
        let (descriptor, temporary) = try create(beside: path, permissions: permissions)
        // POSIX calls rather than Data.write, so a failure reads "No such file or
        // directory" about the report's path instead of Foundation's error dump about
        // the temporary file; fsync before rename so the new report is on disk first.
        func failure() -> ReportFileError {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return ReportFileError(path: path, reason: reason)
        }
        func writeAll(_ bytes: Data) -> Bool {
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes { buffer in
                    Foundation.write(descriptor, buffer.baseAddress! + written, bytes.count - written)
                }
                if count < 0 && errno != EINTR { return false }
                written += max(count, 0)
            }
            return true
        }
        guard chunks.allSatisfy(writeAll), fsync(descriptor) == 0 else {
            let error = failure()
            close(descriptor)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw failure() }
    }

    /// Throws what `write` would if `path` cannot be written now (its directory is
    /// missing or not writable, or the path is a directory, which rename(2) cannot
    /// replace): a run that changes things checks before it acts.
    public static func checkWritable(_ path: String) throws {
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw ReportFileError(path: path, reason: String(cString: strerror(EISDIR)))
        }
        let (descriptor, temporary) = try create(beside: path, permissions: 0o600)
        close(descriptor)
        unlink(temporary)
    }

    /// A new file `.NAME.RANDOM.tmp` in `path`'s directory, open for writing.
    static func create(beside path: String, permissions: mode_t) throws -> (Int32, String) {
        let directory = StateDirectory.directory(of: path)
        let name = (path as NSString).lastPathComponent
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<attempts {
            let suffix = String(generator.next() as UInt64, radix: 36)
            let temporary = (directory as NSString).appendingPathComponent(".\(name).\(suffix).tmp")
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions)
            if descriptor >= 0 { return (descriptor, temporary) }
            guard errno == EEXIST || errno == ELOOP else { break }
        }
        throw ReportFileError(path: path, reason: String(cString: strerror(errno)))
    }
}

/// The report could not be put in place.
public struct ReportFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write report file \(path): \(reason)" }
}
