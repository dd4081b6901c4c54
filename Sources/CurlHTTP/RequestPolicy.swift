/// A rule about which requests may leave the process. Dry-run uses a read-only policy;
/// this is how reconcile proves it never mutates anything in dry-run: the check sits in
/// `HTTPClient.send`, below every checker, so no checker can forget it.
///
/// The policy judges the request as the caller built it. With `followRedirects` libcurl
/// follows the hops itself, and it never turns a `GET` or `HEAD` into a mutating method,
/// so `readOnly` holds across redirects.
public struct RequestPolicy: Sendable {
    /// Named in the refusal message, so a refused request says which rule refused it.
    public let name: String
    private let rule: @Sendable (_ method: String, _ url: String, _ unixSocketPath: String?) -> Bool

    public init(
        name: String, allows: @escaping @Sendable (_ method: String, _ url: String, _ unixSocketPath: String?) -> Bool
    ) {
        self.name = name
        self.rule = allows
    }

    public func allows(_ request: HTTPRequest) -> Bool {
        rule(request.method, request.url, request.unixSocketPath)
    }

    /// Everything: the policy of a normal (applying) run.
    public static let allowAll = RequestPolicy(name: "allow-all") { _, _, _ in true }

    /// `GET` and `HEAD` only, compared exactly: a lower-case `get` is sent verbatim by
    /// libcurl and is not known to be harmless, so it is refused.
    public static let readOnly = RequestPolicy(name: "read-only") { method, _, _ in
        method == "GET" || method == "HEAD"
    }

    /// The error `send` throws for a refused request. It names the method and the
    /// target (without any credentials in the URL) but no header values.
    func refusal(of request: HTTPRequest) -> HTTPError {
        let target = request.unixSocketPath.map { "\(Self.redacted(request.url)) via unix socket \($0)" }
            ?? Self.redacted(request.url)
        return HTTPError(kind: .refusedByPolicy, message: "policy '\(name)' refuses \(request.method) \(target)")
    }

    /// The URL with any `user:password@` part replaced, so a refusal can be logged.
    private static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        guard let at = afterScheme[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd.upperBound]) + "***@" + String(url[url.index(after: at)...])
    }
}
