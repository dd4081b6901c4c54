import CLibGit2
import Foundation
import Redacting

/// A remote URL split into what libgit2 may see and what only the credentials callback
/// may see: a password (or an http token) embedded in the URL is taken out, so it never
/// reaches the clone's config on disk, libgit2's error messages, or our own.
struct RemoteLocation {
    /// The URL as given (may hold credentials: never print it).
    let original: String
    /// The URL libgit2 connects to and stores: http(s) without any user info, others
    /// without a password; plain relative paths made absolute.
    let url: String
    let username: String?
    let password: String?

    init(_ given: String) {
        original = given
        guard let schemeEnd = given.range(of: "://") else {
            url = Self.isPlainPath(given) ? Self.absolutePath(given) : given
            username = nil
            password = nil
            return
        }
        let scheme = given[..<schemeEnd.lowerBound].lowercased()
        let rest = given[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else {
            url = given
            username = nil
            password = nil
            return
        }
        let userInfo = rest[..<at]
        let user = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        username = user.first.map { String($0).removingPercentEncoding ?? String($0) }
        password = user.count > 1 ? String(user[1]).removingPercentEncoding ?? String(user[1]) : nil
        let host = rest[rest.index(after: at)...]
        let keepsUser = scheme != "http" && scheme != "https"
        let prefix = keepsUser ? "\(String(user[0]))@" : ""
        url = "\(given[..<schemeEnd.upperBound])\(prefix)\(host)"
    }

    /// `git@host:path` (scp syntax) is ssh; anything else without a scheme is a path.
    private static func isPlainPath(_ given: String) -> Bool {
        guard let colon = given.firstIndex(of: ":") else { return true }
        return given[..<colon].contains("/")
    }

    private static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let base = FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: base, isDirectory: true))
            .standardizedFileURL.path
    }

    /// `text` with every trace of the secret replaced, for error messages: credentials in
    /// any URL (this one as given included), and the password (for http, the user name
    /// too, often a token) wherever libgit2 echoes it on its own.
    func redact(_ text: String) -> String {
        var result = Redaction.urlCredentials(in: text)
        for secret in [password, isHTTP ? username : nil].compactMap({ $0 }) where !secret.isEmpty {
            result = result.replacingOccurrences(of: secret, with: Redaction.mask)
        }
        return result
    }

    private var isHTTP: Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }

    /// The cache subdirectory for this remote: a readable slug (host and path) plus a hash
    /// of the credential-free URL, so two remotes never share a clone and no secret ever
    /// appears in a file name.
    var cacheName: String {
        var readable = url
        if let schemeEnd = readable.range(of: "://") { readable = String(readable[schemeEnd.upperBound...]) }
        if let at = readable.firstIndex(of: "@") { readable = String(readable[readable.index(after: at)...]) }
        if readable.hasSuffix(".git") { readable.removeLast(4) }
        var slug = ""
        for scalar in readable.unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "_" {
                slug.unicodeScalars.append(scalar)
            } else if !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        slug = slug.trimmingCharacters(in: CharacterSet(charactersIn: "-."))
        let tail = String(slug.suffix(60)).trimmingCharacters(in: CharacterSet(charactersIn: "-."))
        return (tail.isEmpty ? "repo" : tail) + "-" + Self.shortHash(url)
    }

    /// 12 hex digits of git's own SHA-1 of `text` (as a blob): stable across runs and
    /// platforms, and needs no hashing library beyond the one we already link.
    private static func shortHash(_ text: String) -> String {
        var oid = git_oid()
        let bytes = Array(text.utf8)
        _ = git_odb_hash(&oid, bytes, bytes.count, GIT_OBJECT_BLOB)
        return GitObjectID(oid).short
    }
}
