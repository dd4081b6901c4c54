import Foundation
import GitStore

/// The trust check in front of the pipeline: the commit a ref resolved to must carry a
/// valid signature by an allowed key before its desired state may act (Flux's
/// `verify` on a GitRepository, for one host).
///
/// The signature and the exact payload it signs are read with libgit2
/// (`git_commit_extract_signature`) from the same object database the manifests are then
/// read from, so the check and the read cannot disagree about the commit; the
/// cryptography is the real `ssh-keygen -Y verify` or `gpg --verify` (git's own
/// verifiers), run through ``Subprocess`` within the run's deadline.
public enum CommitVerifier {
    /// The signer (as the verifier names it: a principal with its key's fingerprint, a GPG
    /// key with its user id) when `source`'s commit verifies under `requirement`.
    /// - Throws: ``SignatureRefusal`` saying who signed, or that nobody did.
    public static func verify(
        _ source: any DesiredStateSource, _ requirement: SignatureRequirement, deadline: RunDeadline
    ) async throws(SignatureRefusal) -> String {
        guard let commitSource = source as? GitCommitSource else {
            throw SignatureRefusal(.notACommit, commit: nil, demandedBy: requirement.demandedBy)
        }
        let origin = source.origin
        let namedBySha = origin.ref.count >= 4 && commitSource.commit.hex.hasPrefix(origin.ref.lowercased())
        let label = commitSource.commit.short + (namedBySha ? "" : " (\(origin.ref))")
        func refusal(_ reason: SignatureRefusal.Reason) -> SignatureRefusal {
            SignatureRefusal(reason, commit: label, demandedBy: requirement.demandedBy, keyFiles: requirement.keys.files)
        }
        if let inside = requirement.keysFromManifest ? keyFileInside(commitSource.repository, requirement.keys) : nil {
            throw refusal(
                .unverifiable(
                    "the manifest's key file \(inside) is inside the repository being verified: a key in an unverified "
                        + "checkout would vouch for itself; keep it outside, or give --allowed-signers / --gpg-keyring"))
        }
        let signature: CommitSignature?
        do {
            let (repository, commit) = (commitSource.repository, commitSource.commit)
            signature = try AbandonableWork.run(
                "reading the signature of \(commit.short)", until: deadline, hint: GitCommitSource.corruptionHint
            ) { try repository.signature(of: commit) }
        } catch {
            throw refusal(.unverifiable("\(error)"))
        }
        guard let signature else { throw refusal(.unsigned) }
        let scratch: String
        do {
            scratch = try ScratchDirectory.make(prefix: "reconcile-verify")
        } catch {
            throw refusal(.unverifiable("cannot make a scratch directory: \(error.localizedDescription)"))
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let tools = SignatureTools(
            scratch: scratch, path: ChildEnvironment.path(from: ProcessInfo.processInfo.environment), deadline: deadline)
        let armored = String(decoding: signature.signature.prefix(64), as: UTF8.self)
        let verdict: SignatureVerdict
        if armored.hasPrefix(SSHSignatureCheck.armorHeader) {
            guard !requirement.keys.allowedSigners.isEmpty else {
                let key = (try? await SSHSignatureCheck.signingKey(of: signature.signature, tools: tools)) ?? "an SSH key"
                throw refusal(.unknownKey(signer: "\(key) (an SSH signature; no allowed_signers file is given)"))
            }
            verdict = await SSHSignatureCheck.verify(
                signature: signature.signature, payload: signature.payload, allowedSigners: requirement.keys.allowedSigners,
                tools: tools)
        } else if armored.hasPrefix(GPGSignatureCheck.armorHeader) {
            guard !requirement.keys.gpgKeyrings.isEmpty else {
                throw refusal(.unknownKey(signer: "a GPG key (an OpenPGP signature; no GPG keyring is given)"))
            }
            verdict = await GPGSignatureCheck.verify(
                signature: signature.signature, payload: signature.payload, keyrings: requirement.keys.gpgKeyrings,
                tools: tools)
        } else {
            throw refusal(.unverifiable("the signature is neither SSH nor OpenPGP (an X.509 signature?)"))
        }
        switch verdict {
        case .verified(let signer): return signer
        case .unknownKey(let signer): throw refusal(.unknownKey(signer: signer))
        case .bad(let signer, let detail): throw refusal(.badSignature(signer: signer, detail: detail))
        case .failed(let detail): throw refusal(.unverifiable(detail))
        }
    }

    /// A key file that resolves inside the repository's working tree or git directory.
    static func keyFileInside(_ repository: GitRepository, _ keys: TrustedKeys) -> String? {
        let roots = ([repository.path] + [repository.workingDirectory].compactMap { $0 }).map(resolved)
        return keys.files.first { file in
            let path = resolved(file)
            return roots.contains { path == $0 || path.hasPrefix($0 + "/") }
        }
    }

    private static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }
}
