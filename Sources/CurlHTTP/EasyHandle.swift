internal import CCurl
import Foundation

/// Owns one libcurl easy handle and the error buffer curl writes into, and frees both in
/// `deinit`. A class per C handle keeps the lifetime rule in one place: the handle lives
/// exactly as long as some Swift code can still reach it.
final class EasyHandle {
    let raw: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// Kept alive here because curl reads the list during the transfer, not at setopt.
    private var headerList: HeaderList?

    init() throws(HTTPError) {
        guard let raw = curl_easy_init() else {
            throw HTTPError(kind: .transport, message: "curl_easy_init failed")
        }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try set(CURLOPT_ERRORBUFFER, pointer: errorBuffer)
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// What curl wrote into the error buffer for the last failure ("" if nothing).
    var errorText: String { String(cString: errorBuffer) }

    func set(_ option: CURLoption, _ value: Int) throws(HTTPError) {
        try check(reconcile_easy_setopt_long(raw, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws(HTTPError) {
        try check(reconcile_easy_setopt_string(raw, option, value), option)
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(HTTPError) {
        try check(reconcile_easy_setopt_pointer(raw, option, pointer), option)
    }

    func set(_ option: CURLoption, size: Int) throws(HTTPError) {
        try check(reconcile_easy_setopt_off_t(raw, option, curl_off_t(size)), option)
    }

    func set(_ option: CURLoption, callback: reconcile_data_callback) throws(HTTPError) {
        try check(reconcile_easy_setopt_data_callback(raw, option, callback), option)
    }

    func setOpenSocket(_ callback: curl_opensocket_callback) throws(HTTPError) {
        try check(reconcile_easy_setopt_opensocket_callback(raw, callback), CURLOPT_OPENSOCKETFUNCTION)
    }

    /// Copies `bytes` into curl (CURLOPT_COPYPOSTFIELDS), so the body's lifetime does
    /// not matter once this returns.
    func setBody(_ bytes: Data) throws(HTTPError) {
        try set(CURLOPT_POSTFIELDSIZE_LARGE, size: bytes.count)
        if bytes.isEmpty {
            try set(CURLOPT_COPYPOSTFIELDS, "")
            return
        }
        let code = bytes.withUnsafeBytes {
            reconcile_easy_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))
        }
        try check(code, CURLOPT_COPYPOSTFIELDS)
    }

    func setHeaders(_ list: HeaderList) throws(HTTPError) {
        headerList = list
        try set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(list.raw))
    }

    func long(_ info: CURLINFO) -> Int {
        var value = 0
        _ = reconcile_easy_getinfo_long(raw, info, &value)
        return value
    }

    func offset(_ info: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        _ = reconcile_easy_getinfo_off_t(raw, info, &value)
        return Int64(value)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(HTTPError) {
        guard code != CURLE_OK else { return }
        let name =
            curl_easy_option_by_id(option).map { "CURLOPT_" + String(cString: $0.pointee.name) }
            ?? "option \(option.rawValue)"
        throw HTTPError(curl: code, detail: "curl_easy_setopt(\(name)): \(String(cString: curl_easy_strerror(code)))")
    }
}

/// Owns a `curl_slist` of header lines and frees it in `deinit`.
final class HeaderList {
    private(set) var raw: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) throws(HTTPError) {
        for line in lines {
            guard let appended = curl_slist_append(raw, line) else {
                throw HTTPError(kind: .transport, message: "curl_slist_append failed")
            }
            raw = appended
        }
    }

    deinit { curl_slist_free_all(raw) }
}

extension Duration {
    /// Whole milliseconds for curl's `*_MS` options, at least 1: curl reads 0 as "no
    /// limit", the opposite of what a zero timeout means.
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        let milliseconds = (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded(.up)
        return Int(min(max(milliseconds, 1), Double(Int32.max)))
    }
}
