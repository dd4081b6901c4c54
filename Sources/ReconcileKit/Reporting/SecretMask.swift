import Foundation
import Redacting
import Synchronization

/// The secrets one run has read (a health check's bearer token), in every form a
/// service could echo them back: as written; percent-encoded in any way (any character
/// escaped or not, upper- or lower-case hex, `+` for a space); base64 or base64url,
/// alone or inside a longer value such as HTTP Basic's `base64(user:token)`. Plus
/// credentials inside URLs, found by `Redaction.urlCredentials(in:)`.
///
/// Masking happens when printing (reports, report files, errors), never before
/// comparing: what a checker observed is judged as it is, and only what is shown is
/// masked.
public struct SecretMask: Sendable {
    /// Secrets shorter than this are not masked: masking every `ab` in a report would
    /// hide the report, and such a secret protects nothing anyway.
    public static let minimumLength = 4

    /// The byte sequences to find, longest first (a longer form may contain a shorter).
    let forms: [[UInt8]]

    public init(secrets: some Sequence<String>) {
        var forms = Set<[UInt8]>()
        for secret in secrets where secret.unicodeScalars.count >= Self.minimumLength {
            let bytes = Array(secret.utf8)
            forms.insert(bytes)
            for fragment in Self.base64Fragments(of: bytes) where fragment.count >= Self.minimumLength {
                forms.insert(Array(fragment.utf8))
                forms.insert(Array(fragment.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").utf8))
            }
        }
        self.forms = forms.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
    }

    /// `text` with every form of every secret replaced by `***`, and URL credentials and
    /// secret-shaped values (``SecretShape``: a PEM private key, a prefixed token) too.
    public func mask(_ text: String) -> String {
        guard !forms.isEmpty else { return Redaction.urlCredentials(in: SecretShape.masked(text)) }
        var bytes = Array(text.utf8)
        var changed = false
        for form in forms {
            if let masked = Self.replacing(form, in: bytes) {
                bytes = masked
                changed = true
            }
        }
        return Redaction.urlCredentials(in: SecretShape.masked(changed ? String(decoding: bytes, as: UTF8.self) : text))
    }

    /// `text` with each occurrence of `secret` replaced, where any byte of it may appear
    /// percent-encoded (`%2F`, `%2f`) and a space as `+`; nil when there is none.
    static func replacing(_ secret: [UInt8], in text: [UInt8]) -> [UInt8]? {
        var output: [UInt8] = []
        var index = 0
        var found = false
        while index < text.count {
            if let end = matchEnd(secret, in: text, at: index) {
                if !found {
                    output.reserveCapacity(text.count)
                    output += text[..<index]
                    found = true
                }
                output += Redaction.mask.utf8
                index = end
            } else {
                if found { output.append(text[index]) }
                index += 1
            }
        }
        return found ? output : nil
    }

    /// Where a match of `secret` starting at `start` ends, if there is one.
    private static func matchEnd(_ secret: [UInt8], in text: [UInt8], at start: Int) -> Int? {
        var index = start
        for byte in secret {
            guard index < text.count else { return nil }
            if text[index] == UInt8(ascii: "%"), index + 2 < text.count,
                let high = hexValue(text[index + 1]), let low = hexValue(text[index + 2]), high << 4 | low == byte
            {
                index += 3
            } else if text[index] == byte || (byte == UInt8(ascii: " ") && text[index] == UInt8(ascii: "+")) {
                index += 1
            } else {
                return nil
            }
        }
        return index
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The base64 characters that depend on the secret's bytes alone, for each of the
    /// three positions it can start at inside a longer base64 text (byte offset 0, 1 or
    /// 2 modulo 3): whatever precedes or follows it (`user:` before a token in Basic
    /// auth), these characters appear as they are.
    static func base64Fragments(of bytes: [UInt8]) -> [String] {
        (0..<3).compactMap { offset -> String? in
            let padded = [UInt8](repeating: 0, count: offset) + bytes
            let encoded = Array(Data(padded).base64EncodedString())
            // Character j holds bits 6j..<6j+6, i.e. bytes 6j/8 through (6j+5)/8.
            let own = encoded.indices.filter { j in
                (6 * j) / 8 >= offset && (6 * j + 5) / 8 < offset + bytes.count && encoded[j] != "="
            }
            guard let first = own.first, let last = own.last else { return nil }
            return String(encoded[first...last])
        }
    }
}

/// The secrets a run has read so far; checkers add each one as they read it, and the
/// command masks its output with all of them. Shared by reference across the run's
/// concurrent checkers.
public final class SecretRegistry: Sendable {
    private let secrets = Mutex<Set<String>>([])

    public init() {}

    /// Remembers a secret (a token read from the environment or a file) for masking.
    public func register(_ secret: String) {
        secrets.withLock { _ = $0.insert(secret) }
    }

    /// A mask for everything registered so far.
    public var mask: SecretMask { SecretMask(secrets: secrets.withLock { $0 }) }
}
