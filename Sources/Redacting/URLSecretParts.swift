/// The secrets a URL carries beyond its user info, found from its parts:
/// - a query or fragment parameter whose name says it holds a secret: a name
///   ``SecretName`` hides (`token`, `api_key`, `password`, `client_secret`,
///   `X-Amz-Signature`…) or one of the short names services use for the same
///   (`sig` in an Azure SAS URL, `auth`, `session`, `jwt`, `hmac`); its value is masked;
/// - a webhook whose path is the credential (whoever holds the URL may post): after a
///   `hooks`, `webhook`, `webhooks` or `webhookb2` segment (Discord, Mattermost, Teams,
///   most self-hosted receivers), everything after the first segment on
///   `hooks.slack.com` (`/services/T…/B…/***`), and a Telegram `bot<id>:<token>` segment.
///
/// The parameter's name, the host and the rest of the path stay readable, so a person can
/// still tell which endpoint a finding is about.
enum URLSecretParts {
    /// Short parameter names that hold secrets but contain none of ``SecretName``'s fragments.
    static let parameterNames: Set<String> = ["sig", "auth", "session", "sessionid", "jwt", "hmac"]

    /// Path segments after which a webhook's path is its credential.
    static let webhookSegments: Set<String> = ["hooks", "webhook", "webhooks", "webhookb2"]

    /// The secret ranges of the URL whose host starts `url.lowerBound` and which ends at
    /// `url.upperBound`.
    static func ranges(in bytes: [UInt8], authority url: Range<Int>) -> [Range<Int>] {
        var hostEnd = url.lowerBound
        while hostEnd < url.upperBound, !Redaction.endsAuthority(bytes[hostEnd]) { hostEnd += 1 }
        var pathEnd = hostEnd
        while pathEnd < url.upperBound, bytes[pathEnd] != question, bytes[pathEnd] != hash { pathEnd += 1 }
        let host = lowercased(bytes[url.lowerBound..<hostEnd])
        var found = pathToken(bytes, path: hostEnd..<pathEnd, slack: host == "hooks.slack.com").map { [$0] } ?? []
        found += parameterValues(bytes, parameters: pathEnd..<url.upperBound)
        return found
    }

    /// The part of a webhook's path that is its token.
    private static func pathToken(_ bytes: [UInt8], path: Range<Int>, slack: Bool) -> Range<Int>? {
        var segmentStart = path.lowerBound + 1
        var first = true
        while segmentStart < path.upperBound {
            var segmentEnd = segmentStart
            while segmentEnd < path.upperBound, bytes[segmentEnd] != slash { segmentEnd += 1 }
            let segment = lowercased(bytes[segmentStart..<segmentEnd])
            if (slack && first) || webhookSegments.contains(segment) {
                return segmentEnd + 1 < path.upperBound ? (segmentEnd + 1)..<path.upperBound : nil
            }
            if segment.hasPrefix("bot"), let colon = bytes[segmentStart..<segmentEnd].firstIndex(of: UInt8(ascii: ":")),
                colon > segmentStart + 3, bytes[(segmentStart + 3)..<colon].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
            {
                return (segmentStart + 3)..<segmentEnd
            }
            first = false
            segmentStart = segmentEnd + 1
        }
        return nil
    }

    /// The values of the secret-named `name=value` parameters of a query and fragment
    /// (`?…#…`), separated by `&` or `;`. A value that is one Caddy placeholder
    /// (`?token={query.token}`) names where the secret comes from, not the secret, and stays:
    /// a fix quoting it must still work when pasted.
    static func parameterValues(_ bytes: [UInt8], parameters: Range<Int>) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var start = parameters.lowerBound + 1
        while start < parameters.upperBound {
            var end = start
            while end < parameters.upperBound, !separatesParameters(bytes[end]) { end += 1 }
            if let equals = bytes[start..<end].firstIndex(of: UInt8(ascii: "=")), equals + 1 < end,
                isSecretName(lowercased(bytes[start..<equals])), !isPlaceholder(bytes[(equals + 1)..<end])
            {
                found.append((equals + 1)..<end)
            }
            start = end + 1
        }
        return found
    }

    private static func isPlaceholder(_ value: ArraySlice<UInt8>) -> Bool {
        value.first == UInt8(ascii: "{") && value.last == UInt8(ascii: "}")
            && value.dropFirst().dropLast().allSatisfy { $0 != UInt8(ascii: "{") && $0 != UInt8(ascii: "}") }
    }

    static func isSecretName(_ name: String) -> Bool {
        parameterNames.contains(name) || SecretName.looksSecret(name)
    }

    private static func separatesParameters(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: ";") || byte == hash || byte == question
    }

    private static func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self).lowercased()
    }

    private static let slash = UInt8(ascii: "/"), question = UInt8(ascii: "?"), hash = UInt8(ascii: "#")
}
