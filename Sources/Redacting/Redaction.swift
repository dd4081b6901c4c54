/// Secrets inside URLs, wherever a URL appears in a text: a remote's URL in a git
/// error, a request refused by the dry-run policy, a health URL, a webhook, a Django
/// setting (`DATABASE_URL`, a broker URL, a cache `LOCATION`) or the text of an exception
/// that quotes one. One rule for all of them, in a module of its own so that the modules
/// below ReconcileKit (GitStore, CurlHTTP), which must not import it, share it too.
///
/// A URL carries a secret in three places, and only those parts are replaced:
/// - the user info (`postgres://***@db/app`);
/// - the value of a query or fragment parameter whose name says it is a secret
///   (``URLSecretParts``: `?token=***`, `&api_key=***`, `?sig=***`, `#access_token=***`);
/// - the token part of a webhook's path (`https://hooks.slack.com/services/***`).
///
/// A reference without scheme and host (`/auth/callback?token=***`, as a relative
/// `Location` header or a Caddy rewrite gives it) has its secret-named parameters masked
/// too; its path is left alone, since `/…/hooks/…` there is as likely a directory.
///
/// The secret of one URL is never searched for elsewhere, so a password `app` leaves the
/// path `/srv/app/media` alone.
public enum Redaction {
    /// What replaces a secret.
    public static let mask = "***"

    /// `text` with the secret parts of every `scheme://…` URL and `/path?query` reference
    /// in it replaced by `***`. Text without `://`, `?` or `#` is returned unchanged.
    ///
    /// The user info ends at the last `@` before the first `/`, `?`, `#`, space or quote
    /// after `://`. A password that holds an unencoded `/`, `?` or `#` (invalid, but
    /// common in hand-written `DATABASE_URL`s) is still caught: when the part before that
    /// character has a `:` not followed by a port number, the `@` after it is searched
    /// for up to the end of the URL.
    public static func urlCredentials(in text: String) -> String {
        guard mayHoldAURL(text.utf8) else { return text }
        let bytes = Array(text.utf8)
        let found = secretRanges(in: bytes)
        guard !found.isEmpty else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        for range in found {
            output += bytes[index..<range.lowerBound]
            output += mask.utf8
            index = range.upperBound
        }
        output += bytes[index...]
        return String(decoding: output, as: UTF8.self)
    }

    /// The secret parts of every URL in `bytes`, in order and merged where they overlap
    /// (a URL quoted inside another's query is searched too).
    static func secretRanges(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while let separator = find(bytes, from: index) {
            let start = separator + 3
            let at = userInfoEnd(bytes, from: start)
            if let at { found.append(start..<at) }
            var end = at ?? start
            while end < bytes.count, !endsURL(bytes[end]) { end += 1 }
            found += URLSecretParts.ranges(in: bytes, authority: (at.map { $0 + 1 } ?? start)..<end)
            index = start
        }
        return merged(found + pathReferenceParameters(in: bytes))
    }

    /// The secret-named parameter values of every `/path?query` or `/path#fragment`
    /// reference: a `/` that starts a word (after a space, a quote, `(`, `[`, `<`, `=` or
    /// `,`, or at the start), up to where a URL ends.
    private static func pathReferenceParameters(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == slash, index == 0 || startsAWord(after: bytes[index - 1]) else {
                index += 1
                continue
            }
            var end = index
            while end < bytes.count, !endsURL(bytes[end]) { end += 1 }
            if let parameters = bytes[index..<end].firstIndex(where: { $0 == question || $0 == hash }) {
                found += URLSecretParts.parameterValues(bytes, parameters: parameters..<end)
            }
            index = end
        }
        return found
    }

    private static func startsAWord(after byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "="), UInt8(ascii: ","): true
        default: endsURL(byte)
        }
    }

    /// `ranges` sorted, with overlapping or touching ones joined.
    private static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, range.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// Whether `://` occurs, or a `?` or `#` after a `/`: the fast path for the many texts
    /// without a URL (every field of every finding goes through here when a report is
    /// printed), prose asking a question among them.
    private static func mayHoldAURL(_ utf8: String.UTF8View) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        var slashSeen = false
        for byte in utf8 {
            if byte == slash, previous == (colon, slash) { return true }
            if slashSeen, byte == question || byte == hash { return true }
            slashSeen = slashSeen || byte == slash
            previous = (previous.1, byte)
        }
        return false
    }

    /// The index of the next `://` at or after `start`.
    private static func find(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 2 < bytes.count {
            if bytes[index] == colon, bytes[index + 1] == slash, bytes[index + 2] == slash { return index }
            index += 1
        }
        return nil
    }

    /// The index of the `@` that ends the user info of the authority starting at `start`.
    private static func userInfoEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var end = start
        while end < bytes.count, !endsAuthority(bytes[end]), !endsURL(bytes[end]) { end += 1 }
        if let at = bytes[start..<end].lastIndex(of: self.at) { return at }
        guard end < bytes.count, endsAuthority(bytes[end]), let colonIndex = bytes[start..<end].lastIndex(of: colon)
        else { return nil }
        let afterColon = bytes[(colonIndex + 1)..<end]
        // `host:8080/path@x` is a host and port; `user:pa/ss@host` is a password.
        guard afterColon.isEmpty || !afterColon.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var index = end
        while index < bytes.count, !endsURL(bytes[index]) {
            if bytes[index] == self.at { return index }
            if bytes[index] == colon, index + 2 < bytes.count, bytes[index + 1] == slash, bytes[index + 2] == slash {
                return nil
            }
            index += 1
        }
        return nil
    }

    private static let colon = UInt8(ascii: ":"), slash = UInt8(ascii: "/"), at = UInt8(ascii: "@")
    private static let question = UInt8(ascii: "?"), hash = UInt8(ascii: "#")

    static func endsAuthority(_ byte: UInt8) -> Bool {
        byte == slash || byte == question || byte == hash
    }

    /// Whitespace, quotes, angle brackets and control characters end a URL in prose.
    static func endsURL(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
            || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "`")
    }
}
