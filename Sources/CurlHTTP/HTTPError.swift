internal import CCurl
import Foundation

/// Why a request produced no response. The kinds are closed so a checker can turn each
/// into a precise `unknown` finding ("connection refused on 127.0.0.1:8000" reads very
/// differently from "TLS certificate not trusted"), while `message` keeps curl's own
/// words for the report.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The failure classes a caller reacts to differently.
    public enum Kind: String, Sendable {
        case invalidURL, connectionRefused, hostNotFound, timeout, tls, refusedByPolicy, cancelled, transport
        /// The process ran out of file descriptors (EMFILE/ENFILE): nothing is known
        /// about the server, which was never reached.
        case descriptorsExhausted
    }

    public let kind: Kind
    /// curl's error buffer text, or the policy's reason. Never contains header values,
    /// so it is safe to print even when a request carried a bearer token.
    public let message: String
    /// The `CURLcode` when libcurl reported the failure.
    public let curlCode: Int?

    /// Public so other modules (and their tests) can produce the same error shape.
    public init(kind: Kind, message: String, curlCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.curlCode = curlCode
    }

    public var description: String {
        let code = curlCode.map { " (curl error \($0))" } ?? ""
        return "\(kind.rawValue): \(message)\(code)"
    }

    /// A libcurl failure, classified by its code. `detail` is the error buffer's text;
    /// when curl left it empty the generic text for the code stands in. `osErrno` is
    /// curl's CURLINFO_OS_ERRNO: out of descriptors, curl says "couldn't connect", which
    /// must not read as "connection refused".
    init(curl code: CURLcode, detail: String, osErrno: Int32 = 0) {
        let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        if osErrno == EMFILE || osErrno == ENFILE || text.contains("Too many open files") {
            self.init(
                kind: .descriptorsExhausted,
                message: "\(String(cString: strerror(osErrno == 0 ? EMFILE : osErrno))); \(text)",
                curlCode: Int(code.rawValue))
            return
        }
        self.init(kind: Self.kind(of: code), message: text, curlCode: Int(code.rawValue))
    }

    static func cancelled() -> HTTPError {
        HTTPError(kind: .cancelled, message: "the request was cancelled")
    }

    private static let tlsCodes: [CURLcode] = [
        CURLE_SSL_CONNECT_ERROR, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
        CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_PEER_FAILED_VERIFICATION,
        CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED,
        CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
        CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
    ]

    private static func kind(of code: CURLcode) -> Kind {
        switch code {
        case CURLE_COULDNT_CONNECT: .connectionRefused
        case CURLE_COULDNT_RESOLVE_HOST: .hostNotFound
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: .invalidURL
        case _ where tlsCodes.contains(code): .tls
        default: .transport
        }
    }
}
