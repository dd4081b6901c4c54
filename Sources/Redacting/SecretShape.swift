/// Values that are secrets by their shape, whatever name they are stored under (a
/// Django setting `TLS_BUNDLE`, a container variable `CERT`): reports mask them even
/// when no name gave them away.
///
/// Only shapes that are unmistakable are recognised, so that a report never loses text
/// that is not a secret:
/// - a PEM private key block (`-----BEGIN … PRIVATE KEY-----` through its `-----END …`
///   line, or to the end of the text when that line is missing, e.g. cut off);
/// - tokens whose issuers give them a fixed prefix precisely so that leaked copies can
///   be found: GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab
///   (`glpat-`), Slack (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`), Stripe live keys
///   (`sk_live_`, `rk_live_`) and Google API keys (`AIza`), each followed by at least
///   16 token characters;
/// - JSON Web Tokens (`eyJ…` `.` `eyJ…` `.` signature): bearer credentials.
public enum SecretShape {
    /// Whether `text` holds a secret-shaped value anywhere.
    public static func occurs(in text: String) -> Bool {
        !ranges(in: Array(text.utf8)).isEmpty
    }

    /// `text` with every secret-shaped value replaced by `***`.
    public static func masked(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let found = ranges(in: bytes)
        guard !found.isEmpty else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        for range in found {
            output += bytes[index..<range.lowerBound]
            output += Redaction.mask.utf8
            index = range.upperBound
        }
        output += bytes[index...]
        return String(decoding: output, as: UTF8.self)
    }

    /// The token prefixes issuers publish for secret scanning.
    static let tokenPrefixes: [[UInt8]] = [
        "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-",
        "sk_live_", "rk_live_", "AIza",
    ].map { Array($0.utf8) }
    /// Fewer token characters after a prefix is a word (`ghp_test`), not a token.
    static let minimumTokenBody = 16

    /// The secret-shaped ranges of `bytes`, in order, not overlapping.
    static func ranges(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < bytes.count {
            if let end = privateKeyEnd(bytes, at: index) ?? tokenEnd(bytes, at: index) ?? webTokenEnd(bytes, at: index) {
                found.append(index..<end)
                index = end
            } else {
                index += 1
            }
        }
        return found
    }

    /// Where the PEM private key block starting at `start` ends (after its END line, or at
    /// the end of `bytes` when there is none).
    static func privateKeyEnd(_ bytes: [UInt8], at start: Int) -> Int? {
        let begin = Array("-----BEGIN ".utf8)
        guard bytes[start] == UInt8(ascii: "-"), hasPrefix(bytes, begin, at: start) else { return nil }
        let labelStart = start + begin.count
        var labelEnd = labelStart
        while labelEnd < bytes.count, labelEnd - labelStart <= 64,
            bytes[labelEnd] == UInt8(ascii: " ") || isUpperOrDigit(bytes[labelEnd])
        {
            labelEnd += 1
        }
        let label = Array(bytes[labelStart..<labelEnd])
        guard hasPrefix(bytes, Array("-----".utf8), at: labelEnd),
            String(decoding: label, as: UTF8.self).hasSuffix("PRIVATE KEY")
        else { return nil }
        let endLine = Array("-----END ".utf8) + label + Array("-----".utf8)
        var index = labelEnd + 5
        while index + endLine.count <= bytes.count {
            if hasPrefix(bytes, endLine, at: index) { return index + endLine.count }
            index += 1
        }
        return bytes.count
    }

    /// Where the prefixed token starting at `start` ends.
    static func tokenEnd(_ bytes: [UInt8], at start: Int) -> Int? {
        guard startsWord(bytes, at: start) else { return nil }
        for prefix in tokenPrefixes where bytes[start] == prefix[0] && hasPrefix(bytes, prefix, at: start) {
            let end = tokenCharactersEnd(bytes, from: start + prefix.count)
            if end - (start + prefix.count) >= minimumTokenBody { return end }
        }
        return nil
    }

    /// Where the JSON Web Token starting at `start` ends: two base64url segments that
    /// each encode a JSON object (`eyJ`), then a signature segment (possibly empty).
    static func webTokenEnd(_ bytes: [UInt8], at start: Int) -> Int? {
        let object = Array("eyJ".utf8)
        guard bytes[start] == UInt8(ascii: "e"), startsWord(bytes, at: start), hasPrefix(bytes, object, at: start) else {
            return nil
        }
        let headerEnd = tokenCharactersEnd(bytes, from: start)
        guard headerEnd < bytes.count, bytes[headerEnd] == UInt8(ascii: "."), hasPrefix(bytes, object, at: headerEnd + 1)
        else { return nil }
        let payloadEnd = tokenCharactersEnd(bytes, from: headerEnd + 1)
        guard payloadEnd - headerEnd > minimumTokenBody, payloadEnd < bytes.count, bytes[payloadEnd] == UInt8(ascii: ".")
        else { return nil }
        return tokenCharactersEnd(bytes, from: payloadEnd + 1)
    }

    /// The end of the run of token characters (letters, digits, `_`, `-`) from `start`.
    static func tokenCharactersEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, isTokenCharacter(bytes[index]) { index += 1 }
        return index
    }

    /// True when `start` is not inside a longer run of token characters.
    static func startsWord(_ bytes: [UInt8], at start: Int) -> Bool {
        start == 0 || !isTokenCharacter(bytes[start - 1])
    }

    static func hasPrefix(_ bytes: [UInt8], _ prefix: [UInt8], at start: Int) -> Bool {
        guard start + prefix.count <= bytes.count else { return false }
        return bytes[start..<start + prefix.count].elementsEqual(prefix)
    }

    static func isUpperOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        isUpperOrDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-")
    }
}
