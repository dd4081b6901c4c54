import Foundation

/// What one verifier (`ssh-keygen`, `gpg`) said about a commit's signature.
enum SignatureVerdict: Sendable, Hashable {
    /// Valid, by an allowed key; `signer` names it as the verifier does.
    case verified(signer: String)
    /// Made by a key the key files do not allow.
    case unknownKey(signer: String)
    /// By `signer`, but it does not verify over the payload.
    case bad(signer: String, detail: String)
    /// The verifier could not run or answer.
    case failed(String)
}

/// Runs the signature verifiers with the project's one process runner (``Subprocess``):
/// by absolute path from reconcile's PATH, with a fixed environment (no secret of
/// reconcile's reaches them), in a private scratch directory, and never past the run's
/// deadline (each call gets at most ``callLimit`` of it).
struct SignatureTools: Sendable {
    /// The longest one verifier call may take; a verify takes milliseconds.
    static let callLimit: Duration = .seconds(30)

    /// The scratch directory the signature and a throwaway `GNUPGHOME` are written to.
    let scratch: String
    let path: String
    let deadline: RunDeadline

    struct Failure: Error {
        let message: String
    }

    /// `tool`'s output; a failure when it is missing, cannot start or outlives its time.
    func run(_ tool: String, _ arguments: [String], stdin: Data = Data(), environment: [String: String] = [:])
        async throws(Failure) -> Subprocess.Output
    {
        guard let executable = ChildEnvironment.executable(tool, in: path) else {
            throw Failure(message: "\(tool) is not on PATH (\(path)); install it (Debian: \(Self.package(of: tool)))")
        }
        let timeout = min(Self.callLimit, deadline.remaining)
        guard timeout > .zero else { throw Failure(message: "the run's deadline passed before \(tool) could run") }
        let output = await Subprocess.run(
            executable: executable, arguments: arguments, stdin: stdin,
            environment: environment.merging(["PATH": path, "LC_ALL": "C"]) { $1 }, workingDirectory: scratch,
            timeout: timeout, outputLimit: 1 << 20)
        if let failure = output.launchFailure { throw Failure(message: failure.description) }
        if output.timedOut { throw Failure(message: "\(tool) did not answer within \(timeout.secondsText); it was stopped") }
        return output
    }

    /// Writes `data` to a new file in the scratch directory; returns its path.
    func write(_ data: Data, named name: String) throws(Failure) -> String {
        let file = (scratch as NSString).appendingPathComponent(name)
        do {
            try data.write(to: URL(fileURLWithPath: file), options: .withoutOverwriting)
        } catch {
            throw Failure(message: "cannot write \(name) to a scratch directory: \(error.localizedDescription)")
        }
        return file
    }

    /// The contents of an operator's key file, refused when unreadable.
    static func readKeyFile(_ file: String) throws(Failure) -> Data {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Failure(message: "cannot read the key file \(file)")
        }
        return data
    }

    /// The first line of what a verifier wrote (its error), for messages.
    static func firstLine(_ output: Subprocess.Output) -> String {
        let text = String(decoding: output.stderr.isEmpty ? output.stdout : output.stderr, as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.isEmpty ? "exit status \(output.status)" : UntrustedText.capped(line, limit: 200)
    }

    private static func package(of tool: String) -> String {
        tool == "gpg" ? "gnupg" : "openssh-client"
    }
}
