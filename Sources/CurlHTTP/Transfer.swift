internal import CCurl
import Foundation
import Synchronization

/// One request on its way through libcurl: the request, the easy handle made for it
/// when it may start, the buffers its callbacks fill, and the caller's cancellation wish.
///
/// `@unchecked Sendable` because ownership moves: the caller's task builds it, hands it
/// to the transfer thread, and from then on only that thread touches the handle and the
/// buffers until it resumes the caller. The one field both sides share, the
/// cancellation flag, is atomic.
///
/// The easy handle (with curl's buffers) exists only while the transfer runs, not while
/// it waits for a connection slot: a thousand queued checks cost a thousand small
/// values, not a thousand configured handles.
final class Transfer: @unchecked Sendable {
    let request: HTTPRequest
    /// Requests with the same key share the per-host connection limit.
    let hostKey: String
    private let headerLines: [String]
    /// Made by `prepare()` on the transfer thread; nil before and after the transfer runs.
    private(set) var easy: EasyHandle?
    private var sink: ResponseSink?
    private let cancelRequested = Atomic<Bool>(false)

    /// Checks what can be checked without curl (header syntax), so a bad request fails
    /// in the caller's task.
    init(_ request: HTTPRequest) throws(HTTPError) {
        self.request = request
        hostKey = request.hostKey
        headerLines = try Self.headerLines(request.headers, hasBody: Self.sendsBody(request))
    }

    /// Makes and configures the easy handle; called on the transfer thread when the
    /// transfer may start.
    func prepare() throws(HTTPError) -> EasyHandle {
        let easy = try EasyHandle()
        let sink = ResponseSink(limit: request.maxBodyBytes)
        self.easy = easy
        self.sink = sink
        try configure(easy, sink)
        return easy
    }

    /// Frees the easy handle and the buffers once the transfer is over.
    func release() {
        easy = nil
        sink = nil
    }

    /// Marks the transfer cancelled; the transfer thread acts on it at its next turn.
    func requestCancel() { cancelRequested.store(true, ordering: .sequentiallyConsistent) }

    var isCancelRequested: Bool { cancelRequested.load(ordering: .sequentiallyConsistent) }

    /// The result once curl reports the transfer done with `code`. Reads the error
    /// buffer first, before anything else can touch the handle.
    func outcome(_ code: CURLcode) -> Result<HTTPResponse, HTTPError> {
        guard let easy, let sink else { return .failure(.cancelled()) }
        let detail = easy.errorText
        // The write callback stops a body at the limit by refusing bytes: that is the
        // intended end of the transfer, not a failure.
        let stoppedAtLimit = code == CURLE_WRITE_ERROR && sink.truncated
        guard code == CURLE_OK || stoppedAtLimit else {
            let osErrno = sink.socketErrno ?? Int32(easy.long(CURLINFO_OS_ERRNO))
            return .failure(HTTPError(curl: code, detail: detail, osErrno: osErrno))
        }
        return .success(
            HTTPResponse(
                status: easy.long(CURLINFO_RESPONSE_CODE), headers: sink.headers, body: sink.body,
                bodyTruncated: sink.truncated, elapsed: .microseconds(easy.offset(CURLINFO_TOTAL_TIME_T))))
    }

    private func configure(_ easy: EasyHandle, _ sink: ResponseSink) throws(HTTPError) {
        try easy.set(CURLOPT_URL, request.url)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_NOSIGNAL, 1)
        try easy.set(CURLOPT_USERAGENT, "reconcile")
        try easy.set(CURLOPT_TIMEOUT_MS, request.timeout.curlMilliseconds)
        if let connectTimeout = request.connectTimeout {
            try easy.set(CURLOPT_CONNECTTIMEOUT_MS, connectTimeout.curlMilliseconds)
        }
        try easy.set(CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0)
        try easy.set(CURLOPT_MAXREDIRS, 10)
        try easy.set(CURLOPT_SSL_VERIFYPEER, request.tls.verifyPeer ? 1 : 0)
        try easy.set(CURLOPT_SSL_VERIFYHOST, request.tls.verifyPeer ? 2 : 0)
        if let caFile = request.tls.caFile { try easy.set(CURLOPT_CAINFO, caFile) }
        if let socket = request.unixSocketPath { try easy.set(CURLOPT_UNIX_SOCKET_PATH, socket) }
        let body = try configureMethod(easy)
        try easy.setHeaders(HeaderList(headerLines))
        if let body { try easy.setBody(body) }

        let context = Unmanaged.passUnretained(sink).toOpaque()
        try easy.set(CURLOPT_WRITEDATA, pointer: context)
        try easy.set(CURLOPT_WRITEFUNCTION) { bytes, size, count, context in
            Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue().receiveBody(bytes, size * count)
        }
        // Sockets are opened here rather than by curl, for two things curl 7.88 does not do:
        // remember why socket() failed (out of descriptors, curl only says "couldn't
        // connect"), and mark the socket close-on-exec so no child process inherits it.
        try easy.set(CURLOPT_OPENSOCKETDATA, pointer: context)
        try easy.setOpenSocket { context, _, address in
            guard let address else { return -1 }
            let descriptor = socket(
                address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue),
                address.pointee.protocol)
            if descriptor < 0 {
                Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue().socketErrno = errno
            }
            return descriptor
        }
        try easy.set(CURLOPT_HEADERDATA, pointer: context)
        try easy.set(CURLOPT_HEADERFUNCTION) { bytes, size, count, context in
            Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue().receiveHeader(bytes, size * count)
        }
    }

    /// Sets the method and returns the body to send. `GET` and `HEAD` use curl's own
    /// modes; every other method (and a `GET` with a body) is sent verbatim. A `POST`
    /// always gets a body, empty if none was given: otherwise curl would read one from
    /// stdin.
    private func configureMethod(_ easy: EasyHandle) throws(HTTPError) -> Data? {
        switch request.method {
        case "HEAD":
            try easy.set(CURLOPT_NOBODY, 1)
            return nil
        case "GET" where request.body == nil:
            return nil
        case "POST":
            return request.body ?? Data()
        default:
            try easy.set(CURLOPT_CUSTOMREQUEST, request.method)
            return request.body
        }
    }

    /// Whether `configureMethod` sends a body (then `Expect:` must be cleared).
    private static func sendsBody(_ request: HTTPRequest) -> Bool {
        switch request.method {
        case "HEAD": false
        case "POST": true
        default: request.body != nil
        }
    }

    /// The header lines for curl. An empty value needs curl's `Name;` spelling to be
    /// sent at all; `Expect:` (empty) stops curl waiting for `100 Continue` on bodies.
    private static func headerLines(_ headers: [HTTPHeader], hasBody: Bool) throws(HTTPError) -> [String] {
        var lines: [String] = []
        // Scalars, not Characters: "\r\n" is a single Character that is neither "\r" nor "\n".
        let breaksLine = { (text: String) in text.unicodeScalars.contains { "\r\n\0".unicodeScalars.contains($0) } }
        for header in headers {
            if header.name.isEmpty || header.name.contains(":") || breaksLine(header.name) {
                throw HTTPError(kind: .transport, message: "invalid header name \(header.name.debugDescription)")
            }
            if breaksLine(header.value) {
                // Name the header only: its value may be a secret.
                throw HTTPError(kind: .transport, message: "the value of header '\(header.name)' contains a line break")
            }
            lines.append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        if hasBody { lines.append("Expect:") }
        return lines
    }
}

/// Collects what curl's callbacks deliver for one transfer: the headers of the latest
/// response (a redirect or `100 Continue` starts a new set) and the body up to its limit.
final class ResponseSink {
    private let limit: Int
    private(set) var body = Data()
    private(set) var headers: [HTTPHeader] = []
    private(set) var truncated = false
    /// `errno` of a failed `socket()`, when opening the connection failed there.
    var socketErrno: Int32?

    init(limit: Int) { self.limit = max(0, limit) }

    /// Keeps what fits under the limit; returning less than `count` makes curl stop.
    func receiveBody(_ bytes: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        let kept = min(count, limit - body.count)
        if kept > 0, let bytes {
            bytes.withMemoryRebound(to: UInt8.self, capacity: kept) { body.append($0, count: kept) }
        }
        guard kept == count else {
            truncated = true
            return 0
        }
        return count
    }

    func receiveHeader(_ bytes: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let bytes else { return count }
        let line = bytes.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            headers.append(
                HTTPHeader(
                    line[..<colon].trimmingCharacters(in: .whitespaces),
                    line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return count
    }
}
