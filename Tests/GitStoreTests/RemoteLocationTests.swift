import Testing

@testable import GitStore

@Suite("Remote URLs and their secrets")
struct RemoteLocationTests {
    @Test(
        "libgit2 sees http(s) URLs without user info, other URLs without a password",
        arguments: [
            ("https://user:s3cret@example.com/org/repo.git", "https://example.com/org/repo.git", "user", "s3cret"),
            ("http://tok%40en@127.0.0.1:8080/repo.git", "http://127.0.0.1:8080/repo.git", "tok@en", nil),
            ("ssh://git:pw@example.com:2222/repo.git", "ssh://git@example.com:2222/repo.git", "git", "pw"),
            ("ssh://git@example.com/repo.git", "ssh://git@example.com/repo.git", "git", nil),
            ("git@example.com:org/repo.git", "git@example.com:org/repo.git", nil, nil),
            ("https://example.com/a@b/repo.git", "https://example.com/a@b/repo.git", nil, nil),
            ("/srv/git/repo.git", "/srv/git/repo.git", nil, nil),
        ] as [(String, String, String?, String?)])
    func splitsCredentials(given: String, url: String, username: String?, password: String?) {
        let location = RemoteLocation(given)
        #expect(location.url == url)
        #expect(location.username == username)
        #expect(location.password == password)
    }

    @Test("redact replaces the URL as given and the password wherever libgit2 may echo them")
    func redacts() {
        let location = RemoteLocation("https://user:s3cret@example.com/repo.git")
        #expect(
            location.redact("cannot reach https://user:s3cret@example.com/repo.git (s3cret)")
                == "cannot reach https://***@example.com/repo.git (***)")
    }

    @Test("the cache name is a readable slug plus a hash of the credential-free URL")
    func cacheName() throws {
        let location = RemoteLocation("https://user:s3cret@example.com/Org/My Repo.git")
        let name = location.cacheName
        #expect(name.hasPrefix("example.com-Org-My-Repo-"))
        #expect(name.count == "example.com-Org-My-Repo-".count + 12)
        #expect(!name.contains("s3cret"))
        #expect(RemoteLocation("https://example.com/Org/My Repo.git").cacheName == name)
        #expect(RemoteLocation("https://example.com/Org/Other.git").cacheName != name)
        #expect(RemoteLocation("/..").cacheName.hasPrefix("repo-"))
    }
}
