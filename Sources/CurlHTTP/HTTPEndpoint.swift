import Foundation

/// An endpoint string from a manifest: "http://host:port", "https://...", "tcp://host:port"
/// (→ http), "unix:///path/to.sock". Parsed once, when the manifest is read, so a typo
/// is reported against the manifest instead of surfacing later as a confusing transport
/// failure, and so every checker addresses TCP and unix-socket services the same way.
public struct HTTPEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// "http://host:port" (plus any base path), or "http://localhost" for unix sockets;
    /// never a trailing slash.
    public let baseURL: String
    public let unixSocketPath: String?

    public init(parsing text: String) throws(HTTPError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let separator = trimmed.range(of: "://") else {
            throw Self.invalid(text, "expected http://, https://, tcp:// or unix:// followed by an address")
        }
        let scheme = trimmed[..<separator.lowerBound].lowercased()
        let rest = String(trimmed[separator.upperBound...])
        switch scheme {
        case "unix":
            guard rest.hasPrefix("/"), rest.count > 1 else {
                throw Self.invalid(text, "a unix socket needs an absolute path, as in unix:///run/docker.sock")
            }
            baseURL = "http://localhost"
            unixSocketPath = rest
        case "http", "https", "tcp":
            let path = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? ""
            let authority = String(rest.prefix { $0 != "/" })
            let port = try Self.validateAuthority(authority, of: text)
            if scheme == "tcp" && port == nil {
                throw Self.invalid(text, "tcp:// needs a port, as in tcp://127.0.0.1:2375")
            }
            if let bad = path.first(where: { $0 == "?" || $0 == "#" || $0.isWhitespace }) {
                throw Self.invalid(text, "the path may not contain '\(bad)'")
            }
            var base = path
            while base.hasSuffix("/") { base.removeLast() }
            baseURL = (scheme == "https" ? "https://" : "http://") + authority + base
            unixSocketPath = nil
        default:
            throw Self.invalid(text, "unsupported scheme '\(scheme)' (use http, https, tcp or unix)")
        }
    }

    /// A request for `path` (which starts with "/") on this endpoint.
    public func request(_ path: String, method: String = "GET") -> HTTPRequest {
        let separator = path.hasPrefix("/") ? "" : "/"
        return HTTPRequest(method: method, url: baseURL + separator + path, unixSocketPath: unixSocketPath)
    }

    /// The endpoint as a manifest would spell it (tcp:// shows as http://).
    public var description: String {
        unixSocketPath.map { "unix://\($0)" } ?? baseURL
    }

    /// Checks `host[:port]` (IPv6 in brackets) and returns the port, if given.
    private static func validateAuthority(_ authority: String, of text: String) throws(HTTPError) -> Int? {
        if authority.contains("@") {
            throw invalid(text, "credentials do not belong in an endpoint; pass them from the environment")
        }
        let host: Substring
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid(text, "unclosed '[' in the host") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw invalid(text, "unexpected text after ']'") }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw invalid(text, "too many ':' (an IPv6 address goes in brackets)") }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        guard !host.isEmpty else { throw invalid(text, "the host is missing") }
        let allowed = authority.hasPrefix("[") ? "0123456789abcdefABCDEF:." : "-._"
        if let bad = host.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber)) && !allowed.contains($0) }) {
            throw invalid(text, "the host may not contain '\(bad)'")
        }
        guard let portText else { return nil }
        guard let port = Int(portText), (1...65535).contains(port), portText.allSatisfy(\.isASCII) else {
            throw invalid(text, "the port must be a number from 1 to 65535")
        }
        return port
    }

    private static func invalid(_ text: String, _ reason: String) -> HTTPError {
        HTTPError(kind: .invalidURL, message: "invalid endpoint '\(text)': \(reason)")
    }
}
