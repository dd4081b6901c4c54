import Foundation

/// Real signing keys made for one test, the way a team makes them: two SSH keys
/// (`ssh-keygen -t ed25519`) and two GPG keys (`gpg --quick-gen-key`, no passphrase) in
/// a throwaway `GNUPGHOME`. Alice's keys are the allowed ones (in `allowedSigners` and
/// `gpgKeyring`); Mallory's are real keys nobody allowed. Commits are signed by git
/// itself (`commit -S`). Releasing the kit stops the gpg-agent that gpg started for its
/// home (by `gpgconf --kill`, which ends exactly that home's agent), then removes the keys.
public final class SigningKeys: Sendable {
    /// A signer: an SSH private key file, or a GPG fingerprint.
    public enum Signer: Sendable {
        case ssh(String)
        case gpg(String)
    }

    public let directory: TemporaryDirectory
    /// git's allowed_signers format, listing only Alice's SSH key.
    public let allowedSigners: String
    /// `gpg --export` of Alice's GPG key only.
    public let gpgKeyring: String
    public let aliceSSH: Signer
    public let mallorySSH: Signer
    public let aliceGPG: Signer
    public let malloryGPG: Signer
    /// Mallory's SSH key fingerprint (`SHA256:…`) and GPG fingerprint, as a refusal must name them.
    public let mallorySSHFingerprint: String
    public let malloryGPGFingerprint: String
    private let gnupgHome: String

    public init() throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-keys")
        self.directory = directory
        let home = directory.file("gnupg")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        gnupgHome = home
        func sshKey(_ name: String) throws -> String {
            let file = directory.file(name)
            try runChecked("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file])
            return file
        }
        let alice = try sshKey("alice")
        let mallory = try sshKey("mallory")
        let alicePublic = try String(contentsOfFile: alice + ".pub", encoding: .utf8).split(separator: " ").prefix(2)
        allowedSigners = try directory.write("allowed_signers", "alice@example.com \(alicePublic.joined(separator: " "))\n")
        mallorySSHFingerprint = String(
            try runChecked("ssh-keygen", ["-l", "-E", "sha256", "-f", mallory + ".pub"]).split(separator: " ")[1])
        let gpgEnvironment: [String: String?] = ["GNUPGHOME": home]
        func gpgKey(_ uid: String) throws -> String {
            try runChecked(
                "gpg", ["--batch", "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never"],
                environment: gpgEnvironment)
            let listing = try runChecked("gpg", ["--list-keys", "--with-colons", uid], environment: gpgEnvironment)
            guard let line = listing.split(separator: "\n").first(where: { $0.hasPrefix("fpr:") }) else {
                throw TestSupportError("no fingerprint for \(uid) in: \(listing)")
            }
            return String(line.split(separator: ":", omittingEmptySubsequences: false)[9])
        }
        let aliceFingerprint = try gpgKey("Alice <alice@example.com>")
        malloryGPGFingerprint = try gpgKey("Mallory <mallory@example.com>")
        gpgKeyring = directory.file("keyring.gpg")
        try runChecked("gpg", ["--batch", "--output", gpgKeyring, "--export", aliceFingerprint], environment: gpgEnvironment)
        aliceSSH = .ssh(alice)
        mallorySSH = .ssh(mallory)
        aliceGPG = .gpg(aliceFingerprint)
        malloryGPG = .gpg(malloryGPGFingerprint)
    }

    /// Writes `files` into `repository`, commits them signed by `signer`; returns the sha.
    @discardableResult
    public func commit(
        _ files: [String: String], in repository: ScratchRepository, signedBy signer: Signer, message: String = "signed change"
    ) throws -> String {
        for (path, contents) in files { try repository.write(path, contents) }
        let signing: [String]
        switch signer {
        case .ssh(let key): signing = ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(key)"]
        case .gpg(let fingerprint): signing = ["-c", "gpg.format=openpgp", "-c", "user.signingkey=\(fingerprint)"]
        }
        var environment = ScratchRepository.environment
        environment["GNUPGHOME"] = gnupgHome
        try runChecked("git", ["add", "--all"], environment: environment, workingDirectory: repository.path)
        try runChecked(
            "git", signing + ["commit", "--quiet", "--allow-empty", "-S", "-m", message], environment: environment,
            workingDirectory: repository.path)
        return try repository.git("rev-parse", "HEAD")
    }

    /// A copy of `commit` with its message changed and its signature kept (written with
    /// `git hash-object -w -t commit`): the signature no longer matches what it signs.
    public static func tamperedCopy(of commit: String, in repository: ScratchRepository) throws -> String {
        let object = try repository.git("cat-file", "commit", commit)
        guard let range = object.range(of: "\n\n", options: .backwards) else {
            throw TestSupportError("commit \(commit) has no message")
        }
        let edited = object[..<range.upperBound] + "tampered: not what was signed\n"
        let file = try repository.directory.write(".git/tampered-commit-\(commit.prefix(8))", String(edited))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try repository.git("hash-object", "-w", "-t", "commit", file)
    }

    /// Stops the home's gpg-agent and waits until it has removed its sockets: removing the
    /// directory while the agent still cleans up would race with it and leave files behind.
    deinit {
        let home = gnupgHome
        _ = try? run("gpgconf", ["--kill", "all"], environment: ["GNUPGHOME": home])
        try? waitUntil(timeout: .seconds(10), "gpg-agent of \(home) gone") {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: home)) ?? []
            return !names.contains { $0.hasPrefix("S.") }
        }
    }
}
