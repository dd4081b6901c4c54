import Foundation

/// Verifies an SSH commit signature the way git does (`gpg.format=ssh`):
/// `ssh-keygen -Y find-principals` finds who the signing key belongs to in an
/// `allowed_signers` file, then `ssh-keygen -Y verify -n git -I PRINCIPAL` checks the
/// signature over the commit's payload with that principal's key. The signer is named by
/// its key's type and SHA256 fingerprint (`ssh-keygen -l` on the public key the signature
/// carries), so a refusal names the key even when nobody allowed it, or the content no
/// longer matches.
enum SSHSignatureCheck {
    static let armorHeader = "-----BEGIN SSH SIGNATURE-----"

    static func verify(signature: Data, payload: Data, allowedSigners: [String], tools: SignatureTools) async
        -> SignatureVerdict
    {
        do throws(SignatureTools.Failure) {
            let signatureFile = try tools.write(signature, named: "commit.sig")
            let key = try await signingKey(of: signature, tools: tools)
            for file in allowedSigners {
                _ = try SignatureTools.readKeyFile(file)
                let found = try await tools.run(
                    "ssh-keygen", ["-Y", "find-principals", "-s", signatureFile, "-f", file])
                let principals = String(decoding: found.stdout, as: UTF8.self).split(whereSeparator: \.isNewline)
                guard found.status == 0, let principal = principals.first.map(String.init) else { continue }
                let checked = try await tools.run(
                    "ssh-keygen", ["-Y", "verify", "-n", "git", "-f", file, "-I", principal, "-s", signatureFile],
                    stdin: payload)
                let signer = "\(principal) with \(key)"
                guard checked.status == 0 else {
                    return .bad(signer: signer, detail: "ssh-keygen: \(SignatureTools.firstLine(checked))")
                }
                return .verified(signer: signer)
            }
            return .unknownKey(signer: key)
        } catch {
            return .failed(error.message)
        }
    }

    /// `ED25519 key SHA256:…`: the key the signature says made it.
    static func signingKey(of signature: Data, tools: SignatureTools) async throws(SignatureTools.Failure) -> String {
        guard let key = publicKey(inArmored: signature) else {
            throw SignatureTools.Failure(message: "the SSH signature is malformed (no SSHSIG public key)")
        }
        let keyFile = try tools.write(Data("\(key.type) \(key.blob.base64EncodedString())\n".utf8), named: "signer.pub")
        let listed = try await tools.run("ssh-keygen", ["-l", "-E", "sha256", "-f", keyFile])
        // "256 SHA256:fFHn… no comment (ED25519)"
        let fields = String(decoding: listed.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: " ")
        guard listed.status == 0, fields.count >= 3, fields[1].hasPrefix("SHA256:"), let last = fields.last,
            last.count > 2, last.hasPrefix("("), last.hasSuffix(")")
        else { return "an SSH key of type \(key.type)" }
        return "\(last.dropFirst().dropLast()) key \(fields[1])"
    }

    /// The public key inside an armored SSHSIG blob (PROTOCOL.sshsig: the magic
    /// `SSHSIG`, a version, then the public key as an SSH string), with its type name.
    static func publicKey(inArmored armored: Data) -> (type: String, blob: Data)? {
        let lines = String(decoding: armored, as: UTF8.self).split(whereSeparator: \.isNewline)
        let body = lines.filter { !$0.hasPrefix("-----") }.joined()
        guard let blob = Data(base64Encoded: body), blob.starts(with: Data("SSHSIG".utf8)) else { return nil }
        var reader = SSHWireReader(blob.dropFirst(6))
        guard reader.uint32() != nil, let key = reader.string() else { return nil }
        var keyReader = SSHWireReader(key)
        guard let type = keyReader.string().map({ String(decoding: $0, as: UTF8.self) }),
            type.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-@.".contains($0)) })
        else { return nil }
        return (type, Data(key))
    }
}

/// Reads the SSH wire format's big-endian `uint32` and length-prefixed `string`.
struct SSHWireReader {
    private var bytes: Data

    init(_ bytes: Data) { self.bytes = bytes }

    mutating func uint32() -> UInt32? {
        guard bytes.count >= 4 else { return nil }
        let value = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        bytes = bytes.dropFirst(4)
        return value
    }

    mutating func string() -> Data? {
        guard let length = uint32(), bytes.count >= Int(length) else { return nil }
        let value = bytes.prefix(Int(length))
        bytes = bytes.dropFirst(Int(length))
        return value
    }
}
