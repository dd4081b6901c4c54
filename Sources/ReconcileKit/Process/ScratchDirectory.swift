import Foundation

/// A private temporary directory (mode 0700, `mkdtemp`) for the files a child program
/// reads: `caddy adapt`'s copy of a Caddyfile, a signature for `ssh-keygen`, a
/// throwaway `GNUPGHOME`. Its owner removes it when done.
public enum ScratchDirectory {
    /// A new directory under the system's temporary directory, named `prefix-XXXXXX`.
    public static func make(prefix: String) throws -> String {
        let template = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)-XXXXXX")
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: template])
        }
        return String(cString: created)
    }
}
