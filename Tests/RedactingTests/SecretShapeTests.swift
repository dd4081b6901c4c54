import Redacting
import Testing

/// Values that are secrets by their shape are masked whatever surrounds them; text that
/// only resembles them is left alone.
@Suite struct SecretShapeTests {
    static let key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"

    @Test(
        "secret-shaped values are masked, the text around them kept",
        arguments: [
            ("PRIVATE_CERT is \"\(key)\", expected \"x\"", "PRIVATE_CERT is \"***\", expected \"x\""),
            // Escaped newlines (a value rendered as JSON), and other key kinds.
            (
                "\"-----BEGIN RSA PRIVATE KEY-----\\nMIIBOgIBAAJBAK\\n-----END RSA PRIVATE KEY-----\\n\" and more",
                "\"***\\n\" and more"
            ),
            ("a: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk", "a: ***"),
            ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHz\n-----END ENCRYPTED PRIVATE KEY----- tail", "*** tail"),
            ("token ghp_R3c0nc1leT3stT0kenN0tRealAbCdEf123456 end", "token *** end"),
            ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "***"),
            ("SLACK=xoxb-1234567890-0987654321-AbCdEfGhIjKl", "SLACK=***"),
            ("\"sk_live_4eC39HqLyjWDarjtT1zdp7dc\"", "\"***\""),
            ("key=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW", "key=***"),
            ("glpat-AbCdEfGhIjKlMnOpQrSt", "***"),
            (
                "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U!",
                "Bearer ***!"
            ),
        ])
    func masked(_ text: String, _ expected: String) {
        #expect(SecretShape.masked(text) == expected)
        #expect(SecretShape.occurs(in: text))
    }

    @Test(
        "text that only resembles a secret is left alone",
        arguments: [
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
            "ghp_test", "a ghp_ prefix alone", "xghp_R3c0nc1leT3stT0kenN0tRealAbCdEf123456",
            "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "eyJhbGciOiJIUzI1NiJ9 alone", "/srv/app/media", "AUTH_USER_MODEL",
        ])
    func leftAlone(_ text: String) {
        #expect(SecretShape.masked(text) == text)
        #expect(!SecretShape.occurs(in: text))
    }
}
