import Foundation

/// Verifies an OpenPGP commit signature with `gpg --verify`, against exactly the
/// operator's keyring: a throwaway `GNUPGHOME` (no agent, no trust database, no key of
/// the machine's user), a copy of the keyring file (gpg may lock or touch the keyring it
/// is given; the operator's file stays as it is), `--no-default-keyring --keyring COPY`.
/// The verdict comes from the machine-readable status lines (`--status-fd 1`), never
/// from gpg's human text: a GOODSIG with its VALIDSIG is the only success.
enum GPGSignatureCheck {
    static let armorHeader = "-----BEGIN PGP SIGNATURE-----"

    static func verify(signature: Data, payload: Data, keyrings: [String], tools: SignatureTools) async
        -> SignatureVerdict
    {
        var unknown: SignatureVerdict?
        do throws(SignatureTools.Failure) {
            let signatureFile = try tools.write(signature, named: "commit.asc")
            for (index, keyring) in keyrings.enumerated() {
                let home = (tools.scratch as NSString).appendingPathComponent("gnupg-\(index)")
                guard mkdir(home, 0o700) == 0 else {
                    throw SignatureTools.Failure(message: "cannot make a GNUPGHOME: \(String(cString: strerror(errno)))")
                }
                let copy = try tools.write(SignatureTools.readKeyFile(keyring), named: "gnupg-\(index)/allowed.gpg")
                let output = try await tools.run(
                    "gpg",
                    [
                        "--batch", "--no-tty", "--no-autostart", "--no-auto-key-retrieve", "--trust-model", "always",
                        "--no-default-keyring", "--keyring", copy, "--status-fd", "1", "--verify", signatureFile, "-",
                    ], stdin: payload, environment: ["GNUPGHOME": home])
                let verdict = GPGStatus(String(decoding: output.stdout, as: UTF8.self)).verdict(exitStatus: output.status)
                if case .unknownKey = verdict {
                    unknown = verdict
                    continue
                }
                if case .failed(let detail) = verdict {
                    return .failed("gpg: \(detail); \(SignatureTools.firstLine(output))")
                }
                return verdict
            }
        } catch {
            return .failed(error.message)
        }
        return unknown ?? .failed("no GPG keyring was given")
    }
}

/// gpg's status lines (`[GNUPG:] KEYWORD ARGS…`, doc/DETAILS in GnuPG's source) for one
/// `--verify`, reduced to a verdict. Pure, so the table of keywords is unit-tested.
struct GPGStatus {
    /// Each status line's keyword and arguments.
    let lines: [(keyword: String, arguments: [String])]

    init(_ text: String) {
        lines = text.split(whereSeparator: \.isNewline).compactMap { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard words.count >= 2, words[0] == "[GNUPG:]" else { return nil }
            return (words[1], Array(words.dropFirst(2)))
        }
    }

    func verdict(exitStatus: Int32) -> SignatureVerdict {
        let fingerprint = arguments("VALIDSIG")?.first
        func signer(_ keyword: String) -> String? {
            guard let arguments = arguments(keyword), let keyID = arguments.first else { return nil }
            let uid = Self.percentDecoded(arguments.dropFirst().joined(separator: " "))
            let key = fingerprint.map { "GPG key \($0)" } ?? "GPG key \(keyID)"
            return uid.isEmpty ? key : "\(key) (\(uid))"
        }
        for (keyword, problem) in Self.badKeywords {
            if let who = signer(keyword) { return .bad(signer: who, detail: "gpg: \(problem)") }
        }
        if let error = arguments("ERRSIG") {
            // ERRSIG <keyid> <pkalgo> <hashalgo> <class> <time> <rc> [<fpr>]; rc 9: no public key.
            let key = error.count > 6 && error[6] != "-" ? error[6] : error.first ?? "?"
            if error.count > 5, error[5] == "9" { return .unknownKey(signer: "GPG key \(key)") }
            return .failed("cannot check the signature of GPG key \(key) (ERRSIG code \(error.count > 5 ? error[5] : "?"))")
        }
        if let who = signer("GOODSIG"), fingerprint != nil, exitStatus == 0 { return .verified(signer: who) }
        return .failed("no valid signature in gpg's status (exit status \(exitStatus))")
    }

    /// Keywords that name the signer of a signature that must not be trusted.
    static let badKeywords: [(String, String)] = [
        ("BADSIG", "BAD signature"), ("EXPKEYSIG", "the key has expired"), ("REVKEYSIG", "the key was revoked"),
        ("EXPSIG", "the signature has expired"),
    ]

    private func arguments(_ keyword: String) -> [String]? {
        lines.first { $0.keyword == keyword }?.arguments
    }

    /// Status-line strings escape bytes as `%XX`.
    static func percentDecoded(_ text: String) -> String {
        text.removingPercentEncoding ?? text
    }
}
