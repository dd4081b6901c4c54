import GitStore
import Testing

@Suite("Error descriptions")
struct GitErrorTests {
    @Test(
        "each error is one sentence naming the subject and quoting libgit2",
        arguments: [
            (
                GitError.notARepository(path: "/srv", message: "could not find repository at '/srv'"),
                "'/srv' is not a git repository: could not find repository at '/srv'"
            ),
            (
                .unknownRef(ref: "nope", message: "revspec 'nope' not found"),
                "unknown ref 'nope': revspec 'nope' not found"
            ),
            (
                .noSuchPath(path: "m/p.yaml", commit: String(repeating: "a", count: 40), message: "gone"),
                "no 'm/p.yaml' at commit aaaaaaaaaaaa: gone"
            ),
            (
                .authenticationFailed(url: "https://h/r.git", message: "too many redirects or authentication replays"),
                "authentication failed for 'https://h/r.git': too many redirects or authentication replays"
            ),
            (.libgit2(call: "git_remote_fetch", message: "timed out"), "git_remote_fetch failed: timed out"),
        ])
    func descriptions(error: GitError, expected: String) {
        #expect(error.description == expected)
    }
}
