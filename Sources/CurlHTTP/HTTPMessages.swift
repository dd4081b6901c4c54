public import Foundation

/// One header line, kept as an ordered name/value pair rather than a dictionary because
/// HTTP allows repeated names (`Set-Cookie`, `Via`) and the order can matter.
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// How a request checks the server's certificate. A separate value so callers (and a
/// manifest) can turn verification off for one self-signed endpoint without touching
/// anything else, and so the choice is visible in code review.
public struct TLSOptions: Sendable, Hashable {
    /// Verify the certificate chain and that it names the host. `false` turns off both,
    /// as `curl --insecure` does: a certificate that is checked for the wrong host
    /// proves nothing.
    public var verifyPeer: Bool = true
    /// A PEM bundle of trusted CAs instead of the system store (for a private CA).
    public var caFile: String? = nil

    public init(verifyPeer: Bool = true, caFile: String? = nil) {
        self.verifyPeer = verifyPeer
        self.caFile = caFile
    }
}

/// Everything one transfer needs, as a plain value: requests are built by checkers,
/// judged by a `RequestPolicy` before anything leaves the process, and only then handed
/// to libcurl.
public struct HTTPRequest: Sendable {
    /// The method as sent. `GET` and `HEAD` are sent natively; anything else verbatim.
    public var method: String
    /// `http://` or `https://`. With `unixSocketPath` the host part only fills the
    /// `Host` header.
    public var url: String
    /// Connect to this unix socket instead of the URL's host (Docker, Caddy admin).
    public var unixSocketPath: String?
    public var headers: [HTTPHeader]
    public var body: Data?
    /// The limit for the whole transfer, so one hung service cannot stall a run.
    public var timeout: Duration
    /// A shorter limit for establishing the connection, if wanted.
    public var connectTimeout: Duration?
    /// Off by default: a health check should see the redirect, not where it leads.
    public var followRedirects: Bool
    /// Bodies are read up to this size, then cut off and `HTTPResponse.bodyTruncated`
    /// set: a misbehaving endpoint cannot make reconcile hold an unbounded body.
    public var maxBodyBytes: Int
    public var tls: TLSOptions

    public init(
        method: String = "GET", url: String, unixSocketPath: String? = nil, headers: [HTTPHeader] = [],
        body: Data? = nil, timeout: Duration = .seconds(10), connectTimeout: Duration? = nil,
        followRedirects: Bool = false, maxBodyBytes: Int = 1 << 20, tls: TLSOptions = TLSOptions()
    ) {
        self.method = method
        self.url = url
        self.unixSocketPath = unixSocketPath
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.followRedirects = followRedirects
        self.maxBodyBytes = maxBodyBytes
        self.tls = tls
    }
}

extension HTTPRequest {
    /// The connection pool the request is limited by: `unix:PATH`, or
    /// `scheme://host:port` (lowercased, default ports filled in).
    public var hostKey: String {
        if let socket = unixSocketPath { return "unix:" + socket }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            return url
        }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(components.host?.lowercased() ?? ""):\(port)"
    }
}

/// A completed exchange. Any status is a response, not an error: whether 404 or 502 is
/// drift is the checker's call, and it needs the status and body to explain it.
public struct HTTPResponse: Sendable {
    public let status: Int
    /// The headers of the final response (after redirects, only the last hop's).
    public let headers: [HTTPHeader]
    public let body: Data
    /// The server sent more than `HTTPRequest.maxBodyBytes`; `body` holds the first part.
    public let bodyTruncated: Bool
    /// Total transfer time as libcurl measured it (name lookup to last byte).
    public let elapsed: Duration

    /// Public so tests of code that consumes responses can build them directly.
    public init(status: Int, headers: [HTTPHeader], body: Data, bodyTruncated: Bool = false, elapsed: Duration) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyTruncated = bodyTruncated
        self.elapsed = elapsed
    }

    /// The last value of the header called `name`, compared case-insensitively as HTTP
    /// header names are.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last { $0.name.lowercased() == wanted }?.value
    }

    /// The body as UTF-8, with invalid bytes replaced rather than failing: it is shown
    /// to people, not parsed.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
