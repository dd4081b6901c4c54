import Foundation
import TestSupport
import Testing

/// `reconcile --version` and the shell completions, on the debug build: the cheap half of
/// what the Debian package ships (PackageTests checks the package itself, behind
/// `scripts/test --package`).
@Suite struct VersionTests {
    /// Version from VERSION, the commit git says the tree is at, and the libgit2 and
    /// libcurl the process loaded (on the build host: the ones pkg-config names).
    @Test func versionNamesTheVersionFileTheCommitAndTheLibrariesItRunsWith() async throws {
        let result = try await reconcile(["--version"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let root = TestPaths.repositoryRoot
        let version = try String(contentsOfFile: root + "/VERSION", encoding: .utf8).split(separator: "\n").first.map(String.init)
        let libgit2 = try runChecked("pkg-config", ["--modversion", "libgit2"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let libcurl = try runChecked("pkg-config", ["--modversion", "libcurl"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(lines.count == 4, "\(result.stdout)")
        #expect(lines[0] == "reconcile \(try #require(version))")
        try Self.expectCommitLine(lines[1])
        #expect(lines[2] == "libgit2: \(libgit2)")
        #expect(lines[3] == "libcurl: \(libcurl)")
    }

    /// The commit line names RECONCILE_BUILD_COMMIT when the build was given one
    /// (scripts/test and scripts/package give it); else a commit of this repository.
    static func expectCommitLine(_ line: String) throws {
        if let given = ProcessInfo.processInfo.environment["RECONCILE_BUILD_COMMIT"] {
            #expect(line == "commit: \(given)")
            return
        }
        let commit = String(try #require(line.split(separator: " ").last).prefix { $0 != "+" })
        #expect(line == "commit: \(commit)" || line == "commit: \(commit)+modified", "\(line)")
        #expect(commit.count == 40 && commit.allSatisfy(\.isHexDigit), "\(line)")
        let known = try run("git", ["cat-file", "-e", commit + "^{commit}"], workingDirectory: TestPaths.repositoryRoot)
        #expect(known.status == 0, "\(commit) is not a commit of this repository")
    }

    /// What the package installs for bash, zsh and fish parses in that shell and knows
    /// the subcommands and flags.
    @Test(arguments: [("bash", ["-n"]), ("zsh", ["-n"]), ("fish", ["--no-execute"])])
    func theCompletionScriptParsesInItsShell(shell: String, check: [String]) async throws {
        let script = try await reconcile(["--generate-completion-script", shell])
        #expect(script.status == 0, "\(script.stderr)")
        for word in ["validate", "schema", "serve", "dry-run"] {
            #expect(script.stdout.contains(word), "\(shell) completion lacks \(word)")
        }
        let scratch = try TemporaryDirectory(prefix: "reconcile-completion")
        let path = try scratch.write("reconcile.\(shell)", script.stdout)
        let parsed = try await offPool { try run(shell, check + [path]) }
        #expect(parsed.status == 0, "\(parsed.stdout)\(parsed.stderr)")
    }
}
