import Redacting

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

    /// Apply mode's changes: the standard methods a fix sends (`POST`, `PUT`, `PATCH`,
    /// `DELETE`, plus `GET`/`HEAD`), spelled exactly. Only an apply's own context holds a
    /// client with this policy; observation keeps the read-only one of its mode.
    public static let apply = RequestPolicy(name: "apply") { method, _, _ in
        ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].contains(method)
    }

    /// `GET` and `HEAD` only, compared exactly: a lower-case `get` is sent verbatim by
    /// libcurl and is not known to be harmless, so it is refused.
    public static let readOnly = RequestPolicy(name: "read-only") { method, _, _ in
        method == "GET" || method == "HEAD"
    }

    /// `readOnly`, plus the two POSTs of a `docker exec`: creating an exec in a
    /// container (`POST /containers/{id}/exec`) and starting it (`POST /exec/{id}/start`),
    /// each optionally under an API version prefix (`/v1.41`). The exec's inspection
    /// (`GET /exec/{id}/json`) is a GET already.
    ///
    /// Why: the Django checker reads the settings a containerised app really runs with
    /// by executing a read-only introspection script inside its container, and a dry run
    /// must still do that. Nothing else is allowed: not starting, stopping, creating or
    /// deleting containers, not `/exec/{id}/resize`, not a path with a query, a
    /// fragment, `..` or an encoded character that could make the engine route the
    /// request elsewhere. (The policy sees the method and URL, not the body, so it
    /// cannot tell one exec command from another: a dry run trusts the checkers to exec
    /// read-only programs, and only they can reach the engine through it.)
    public static let readOnlyWithDockerExec = RequestPolicy(name: "read-only+docker-exec") { method, url, socket in
        if method == "GET" || method == "HEAD" { return true }
        return method == "POST" && isDockerExecCall(url)
    }

    /// True for `…/containers/{id}/exec` and `…/exec/{id}/start` (with an optional
    /// `/vMAJOR.MINOR` prefix) and nothing else.
    static func isDockerExecCall(_ url: String) -> Bool {
        guard let schemeEnd = url.range(of: "://") else { return false }
        let afterScheme = url[schemeEnd.upperBound...]
        guard let pathStart = afterScheme.firstIndex(of: "/") else { return false }
        let path = afterScheme[pathStart...]
        guard !path.contains("?"), !path.contains("#"), !path.contains("%"), !path.contains("\\") else { return false }
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else { return false }
        if let first = segments.first, first.hasPrefix("v"), isVersion(first.dropFirst()) {
            segments = segments.dropFirst()
        }
        let parts = Array(segments)
        guard parts.count == 3 else { return false }
        return (parts[0] == "containers" && parts[2] == "exec") || (parts[0] == "exec" && parts[2] == "start")
    }

    private static func isVersion(_ text: Substring) -> Bool {
        let numbers = text.split(separator: ".", omittingEmptySubsequences: false)
        return numbers.count == 2 && numbers.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) && $0.allSatisfy(\.isASCII) }
    }

    /// The error `send` throws for a refused request. It names the method and the
    /// target (without any credentials in the URL) but no header values.
    func refusal(of request: HTTPRequest) -> HTTPError {
        let url = Redaction.urlCredentials(in: request.url)
        let target = request.unixSocketPath.map { "\(url) via unix socket \($0)" } ?? url
        return HTTPError(kind: .refusedByPolicy, message: "policy '\(name)' refuses \(request.method) \(target)")
    }
}
