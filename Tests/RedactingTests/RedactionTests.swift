import Redacting
import Testing

/// One rule for credentials in URLs, wherever a URL appears in a text.
@Suite struct RedactionTests {
    @Test(
        "the user info of every URL in a text is masked, nothing else",
        arguments: [
            ("https://user:secret@git.example/ops.git", "https://***@git.example/ops.git"),
            ("https://TOKEN@github.com/o/r.git", "https://***@github.com/o/r.git"),
            ("https://git.example/ops.git", "https://git.example/ops.git"),
            ("https://host/path?x=a@b", "https://host/path?x=a@b"),
            ("https://host:8443/u@x", "https://host:8443/u@x"),
            ("/srv/config", "/srv/config"),
            ("postgres://app:app@db:5432/app", "postgres://***@db:5432/app"),
            ("redis://:hunter2@127.0.0.1:6379/1", "redis://***@127.0.0.1:6379/1"),
            ("amqp://guest:guest@rabbit//", "amqp://***@rabbit//"),
            // An unencoded '/' or '#' in the password (invalid, common by hand).
            ("postgres://app:pa/ss@db/app", "postgres://***@db/app"),
            ("mysql://root:p#w@db/x", "mysql://***@db/x"),
            (
                "could not connect: DATABASE_URL='postgres://u:p@h/d', CACHE=\"redis://:q@c:6379/0\" (timeout)",
                "could not connect: DATABASE_URL='postgres://***@h/d', CACHE=\"redis://***@c:6379/0\" (timeout)"
            ),
            ("a://b c://d:e@f", "a://b c://***@f"),
            ("://@", "://***@"),
            ("x://", "x://"),
        ])
    func urlCredentials(_ text: String, _ expected: String) {
        #expect(Redaction.urlCredentials(in: text) == expected)
    }

    @Test func aPasswordIsNotSearchedForOutsideItsURL() {
        // The password `app` of one URL must not change a path that contains `app`.
        let text = "DATABASE_URL=postgres://app:app@db/app MEDIA_ROOT=/srv/app/media"
        #expect(Redaction.urlCredentials(in: text) == "DATABASE_URL=postgres://***@db/app MEDIA_ROOT=/srv/app/media")
    }
}
