/// Names whose values are secrets: a Django setting of such a name is never read (the
/// introspection reports only whether it is set), and a container variable of such a
/// name never has its value shown, nor a URL's query parameter of such a name
/// (``Redaction``). The one list of the rule: the Django introspection
/// script receives it in its configuration instead of keeping its own.
///
/// Masking a value by mistake costs a line of report; showing a secret cannot be undone.
/// So a fragment is listed when names containing it usually hold a credential, even if
/// some do not. Names a fragment would catch that are common and never secret keep it
/// off the list: AUTH (AUTH_USER_MODEL, AUTHENTICATION_BACKENDS; Django's secrets under
/// AUTH names carry KEY, SECRET, PASSWORD or TOKEN too) and COOKIE (SESSION_COOKIE_SECURE,
/// which deploy checks are about).
public enum SecretName {
    /// Each fragment, with why names containing it hold secrets.
    public static let fragments: [(fragment: String, why: String)] = [
        ("API", "Django's list: API keys (STRIPE_API_KEY, API_SECRET)"),
        ("TOKEN", "Django's list: access and refresh tokens"),
        ("KEY", "Django's list: SECRET_KEY, signing and private keys"),
        ("SECRET", "Django's list: client secrets"),
        ("PASS", "Django's list: PASSWORD, PASSWD, PASSPHRASE"),
        ("SIGNATURE", "Django's list: signature secrets"),
        ("CREDENTIAL", "CREDENTIALS blobs (SOCIAL_AUTH_*_CREDENTIALS, service-account JSON)"),
        ("PWD", "abbreviated passwords (DB_PWD, SMTP_PWD); a container's PWD is only masked"),
        ("SALT", "salts that sign or hash values (SIGNING_SALT, HASHID_SALT): knowing one forges them"),
        ("PRIVATE", "what its owner marks private (PRIVATE_CERT holding a private key)"),
    ]

    /// The fragments alone, upper case.
    public static let names = fragments.map(\.fragment)

    /// The list in words, for messages: "API, TOKEN, …, SALT or PRIVATE".
    public static var described: String {
        names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }

    /// Whether `name` contains one of the fragments (any case).
    public static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return names.contains { upper.contains($0) }
    }

    /// Whether `value` is a secret whatever its name (``SecretShape``: a PEM private key,
    /// a prefixed token, a JSON Web Token).
    public static func valueLooksSecret(_ value: String) -> Bool { SecretShape.occurs(in: value) }

    /// Whether a value stored under `name` must not be shown: the name looks secret, or
    /// one of the values does whatever its name.
    public static func hides(_ name: String, _ values: String?...) -> Bool {
        looksSecret(name) || values.contains { $0.map(valueLooksSecret) == true }
    }
}
