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

    @Test(
        "a secret-named query or fragment parameter's value and a webhook's token path are masked, nothing else",
        arguments: [
            ("https://hooks.example/x?token=abc", "https://hooks.example/x?token=***"),
            ("https://api.example/v1?api_key=k3y&format=json", "https://api.example/v1?api_key=***&format=json"),
            ("https://acct.blob.example/c/f?sv=2020&sig=s1gn%2Fed&se=2030", "https://acct.blob.example/c/f?sv=2020&sig=***&se=2030"),
            ("https://db.example/login?user=ops;password=hunter2", "https://db.example/login?user=ops;password=***"),
            (
                "https://b.example/o?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff00",
                "https://b.example/o?X-Amz-Credential=***&X-Amz-Signature=***"
            ),
            ("https://app.example/cb#access_token=eyX&state=1", "https://app.example/cb#access_token=***&state=1"),
            ("https://app.example/health?page=2&sort=name", "https://app.example/health?page=2&sort=name"),
            ("https://app.example/health?token=", "https://app.example/health?token="),
            ("https://hooks.slack.com/services/T0001/B0002/XXXXsecret", "https://hooks.slack.com/services/***"),
            ("https://discord.com/api/webhooks/123/t0ken-part", "https://discord.com/api/webhooks/***"),
            ("https://chat.example/hooks/abc123xyz", "https://chat.example/hooks/***"),
            ("https://api.telegram.org/bot123456:AAHsecret/sendMessage", "https://api.telegram.org/bot***/sendMessage"),
            ("https://u:p@h.example/p?key=v", "https://***@h.example/p?key=***"),
            (
                "POST 'https://x.example/notify?auth=zz1' failed; see https://x.example/docs?page=1",
                "POST 'https://x.example/notify?auth=***' failed; see https://x.example/docs?page=1"
            ),
            ("https://x.example/go?next=https://y.example/z?token=abc&x=1", "https://x.example/go?next=https://y.example/z?token=***&x=1"),
        ])
    func urlSecretParts(_ text: String, _ expected: String) {
        #expect(Redaction.urlCredentials(in: text) == expected)
    }

    /// A reference without scheme and host (a relative `Location`, a Caddy rewrite): its
    /// secret-named parameters only; its path is never a webhook's token.
    @Test(
        "a path reference's secret-named parameters are masked, nothing else",
        arguments: [
            ("302, Location: /auth/callback?token=abc&next=/home", "302, Location: /auth/callback?token=***&next=/home"),
            ("/login#access_token=eyX&state=1", "/login#access_token=***&state=1"),
            ("redirected to /cb?sig=zz1 (302)", "redirected to /cb?sig=*** (302)"),
            ("url=/x?api_key=k3y then ['/y?jwt=a.b']", "url=/x?api_key=*** then ['/y?jwt=***']"),
            ("rewrite * /index.php?{query}&p={path}", "rewrite * /index.php?{query}&p={path}"),
            ("rewrite * /api?token={query.token}&key=k3y", "rewrite * /api?token={query.token}&key=***"),
            ("/srv/repo/.git/hooks/pre-commit?x=1", "/srv/repo/.git/hooks/pre-commit?x=1"),
            ("is it up? see /health?page=2", "is it up? see /health?page=2"),
            ("a/b?token=x is not a reference", "a/b?token=x is not a reference"),
        ])
    func pathReferenceParameters(_ text: String, _ expected: String) {
        #expect(Redaction.urlCredentials(in: text) == expected)
    }

    @Test func aPasswordIsNotSearchedForOutsideItsURL() {
        // The password `app` of one URL must not change a path that contains `app`.
        let text = "DATABASE_URL=postgres://app:app@db/app MEDIA_ROOT=/srv/app/media"
        #expect(Redaction.urlCredentials(in: text) == "DATABASE_URL=postgres://***@db/app MEDIA_ROOT=/srv/app/media")
    }
}
