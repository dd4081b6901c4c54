import Foundation
import ReconcileKit
import Testing

/// The one function that makes text from services and manifests safe to show.
@Suite struct UntrustedTextTests {
    @Test(
        "controls, C1 and bidi characters become visible escapes",
        arguments: [
            ("\u{1B}[2J\u{1B}]0;owned\u{07}", "\\x1B[2J\\x1B]0;owned\\x07"),
            ("a\u{0}b", "a\\x00b"),
            ("line\nnext\r", "line\\nnext\\r"),
            ("\u{9B}31m", "\\x9B31m"),
            ("\u{7F}", "\\x7F"),
            ("admin\u{202E}nimda", "admin\\u{202E}nimda"),
            ("\u{2066}x\u{2069}\u{200F}\u{FEFF}", "\\u{2066}x\\u{2069}\\u{200F}\\u{FEFF}"),
            ("tab\tkept, é and 😀 kept", "tab\tkept, é and 😀 kept"),
        ])
    func terminalLine(_ text: String, _ expected: String) {
        #expect(UntrustedText.terminalLine(text) == expected)
    }

    @Test func aMillionDigitsAreCappedWithAMarker() {
        let digits = String(repeating: "7", count: 1_000_000)
        let shown = UntrustedText.terminalLine(digits)
        #expect(shown == String(repeating: "7", count: UntrustedText.defaultLimit) + "…[999600 more characters]")
        #expect(UntrustedText.capped(digits, limit: 10) == "7777777777…[999990 more characters]")
        #expect(UntrustedText.capped("short", limit: 10) == "short")
    }

    @Test func annotationsEncodePercentAndLineBreaksAfterEscaping() {
        #expect(UntrustedText.annotationMessage("100% done\nnext::set-output x\u{1B}") == "100%25 done%0Anext::set-output x\\x1B")
        #expect(UntrustedText.annotationProperty("a:b,c%\n") == "a%3Ab%2Cc%25%0A")
    }

    @Test func jsonTextEscapesWhatJSONAllowsRawButTerminalsDoNot() throws {
        let encoded = String(decoding: try JSONEncoder().encode(["k": "a\u{9B}b\u{202E}c\u{1B}é"]), as: UTF8.self)
        let safe = UntrustedText.jsonText(encoded)
        #expect(safe == #"{"k":"a\u009Bb\u202Ec\u001bé"}"#)
        #expect(try JSONDecoder().decode([String: String].self, from: Data(safe.utf8)) == ["k": "a\u{9B}b\u{202E}c\u{1B}é"])
    }

    @Test func terminalLinesKeepLineBreaksAndCapEachLine() {
        #expect(UntrustedText.terminalLines("a\u{1B}\nb", limit: 5) == "a\\x1B\nb")
        #expect(UntrustedText.terminalLines("123456\n12", limit: 5) == "12345…[1 more characters]\n12")
    }

    @Test func anExcerptIsShortAndEscaped() {
        let excerpt = UntrustedText.excerpt("PATH=/usr/bin\nTOKEN=" + String(repeating: "x", count: 500))
        #expect(excerpt.hasPrefix("PATH=/usr/bin\\nTOKEN="))
        #expect(excerpt.hasSuffix("…[460 more characters]"))
    }

    @Test func noncharactersAreEscapedSoXMLCanCarryTheText() {
        // (Swift refuses them in literals.)
        let text = String(String.UnicodeScalarView([0x61, 0xFFFE, 0xFFFF, 0xFDD0].compactMap(Unicode.Scalar.init)))
        #expect(UntrustedText.html(text) == "a\\u{FFFE}\\u{FFFF}\\u{FDD0}")
    }

    @Test func markdownCodeSpansOutlastEveryBacktickRunInside() {
        #expect(UntrustedText.markdownCode("main") == "`main`")
        #expect(UntrustedText.markdownCode("feat`<b>x</b>``|y") == "```feat`<b>x</b>``|y```")
        #expect(UntrustedText.markdownCode("`edge`") == "`` `edge` ``")
    }

    @Test func markdownCellsKeepMentionsAndIssueNumbersInert() {
        let zwj = UntrustedText.zeroWidthJoiner
        #expect(UntrustedText.markdownCell("@octocat's #12") == "@\(zwj)octocat&#39;s #\(zwj)12")
    }
}

/// Secrets masked in every form a service could echo them in, and only when printing.
@Suite struct SecretMaskTests {
    static let token = "tok-SECRET/4b1d+9e0f 7a2c"

    @Test func everyEncodingOfTheTokenIsMasked() {
        let mask = SecretMask(secrets: [Self.token])
        let base64 = Data(Self.token.utf8).base64EncodedString()
        let basic = Data("deploy:\(Self.token)".utf8).base64EncodedString()
        let basicURLSafe = basic.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let percent = Self.token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let everyByte = Self.token.utf8.map { String(format: "%%%02x", $0) }.joined()
        let forms = [
            Self.token, percent, percent.replacingOccurrences(of: "%20", with: "+"), everyByte,
            Self.token.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!, base64,
            "Basic \(basic)", basicURLSafe, Data("x\(Self.token)y".utf8).base64EncodedString(),
            Data("xy\(Self.token)".utf8).base64EncodedString(),
        ]
        for form in forms {
            let masked = mask.mask("echo: \(form) end")
            #expect(!masked.contains("SECRET"), "\(form) → \(masked)")
            #expect(masked.contains("***"), "\(form) → \(masked)")
            #expect(masked.hasPrefix("echo: ") && masked.hasSuffix(" end"))
        }
    }

    @Test func insideALongerBase64TextOnlyTheCharactersOfItsNeighboursRemain() {
        // Whatever precedes the token (`user:` in Basic auth), the characters that encode
        // only the token's bytes are masked; what remains encodes the neighbours.
        let mask = SecretMask(secrets: [Self.token])
        for prefix in ["", "a", "ab", "abc", "user:", "Bearer x"] {
            let encoded = Data((prefix + Self.token + "!").utf8).base64EncodedString()
            let masked = mask.mask(encoded)
            #expect(masked.contains("***"), "\(prefix)")
            let remaining = masked.replacingOccurrences(of: "***", with: "").count
            #expect(remaining <= 4 * ((prefix.count + 1) / 3 + 1) + 8, "\(prefix): \(masked)")
        }
    }

    @Test func credentialsInURLsAreMaskedWithoutAnySecretRegistered() {
        let mask = SecretMask(secrets: [])
        #expect(
            mask.mask("DATABASE_URL postgres://app:app@db/app, MEDIA_ROOT /srv/app/media")
                == "DATABASE_URL postgres://***@db/app, MEDIA_ROOT /srv/app/media")
    }

    @Test func shortSecretsAreNotMaskedEverywhere() {
        #expect(SecretMask(secrets: ["ab"]).mask("about a tab") == "about a tab")
    }

    @Test func theRegistryMasksWhatCheckersRegistered() {
        let registry = SecretRegistry()
        #expect(registry.mask.mask(Self.token) == Self.token)
        registry.register(Self.token)
        #expect(registry.mask.mask("x \(Self.token) y") == "x *** y")
    }

    @Test func aReportIsMaskedInEveryTextFieldAndKeepsItsConclusions() {
        let secret = Self.token
        let finding = Finding(
            checker: "health", resource: "api \(secret)", status: .drift, expected: "status 200",
            observed: "body: Bearer \(secret)", message: "redirected to https://u:\(secret)@x/",
            fix: Fix(summary: "see \(secret)", snippet: "token: \(secret)\nnext", language: "yaml"),
            position: SourcePosition(file: "m.yaml", line: 3, column: 5))
        let report = Report(
            origin: SourceOrigin(repo: "https://u:p@git/x", ref: "HEAD", commit: "abc", worktree: false),
            manifest: "m.yaml", mode: .dryRun, findings: [finding])
        let masked = report.masked(by: SecretMask(secrets: [secret]))
        let json = JSONReportRenderer.render(masked)
        #expect(!json.contains("SECRET"))
        #expect(masked.source.repo == "https://***@git/x")
        #expect(masked.findings[0].fix?.snippet == "token: ***\nnext")
        #expect(masked.status == .drift && masked.summary.drift == 1 && masked.findings[0].position?.line == 3)
    }
}
