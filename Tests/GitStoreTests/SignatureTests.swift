import Foundation
import GitStore
import TestSupport
import Testing

@Suite("A commit's signature and signed payload")
struct SignatureTests {
    @Test("an unsigned commit has no signature; an unknown commit is unknownRef")
    func unsignedAndUnknown() throws {
        let scratch = try ScratchRepository(files: ["a": "1\n"])
        let repository = try GitRepository.open(at: scratch.path)
        #expect(try repository.signature(of: repository.resolve("HEAD")) == nil)
        let missing = try #require(GitObjectID(hex: String(repeating: "ab", count: 20)))
        #expect {
            try repository.signature(of: missing)
        } throws: { error in
            if case .unknownRef = error as? GitError { return true }
            return false
        }
    }

    @Test("a signed commit's signature is git's gpgsig block, and its payload the object without it", arguments: [false, true])
    func signedPayloadIsTheObjectWithoutTheSignature(gpg: Bool) throws {
        let keys = try SigningKeys()
        let scratch = try ScratchRepository()
        let sha = try keys.commit(["a": "1\n"], in: scratch, signedBy: gpg ? keys.aliceGPG : keys.aliceSSH)
        let repository = try GitRepository.open(at: scratch.path)
        let signed = try #require(try repository.signature(of: repository.resolve(sha)))
        let armor = gpg ? "-----BEGIN PGP SIGNATURE-----" : "-----BEGIN SSH SIGNATURE-----"
        #expect(String(decoding: signed.signature, as: UTF8.self).hasPrefix(armor))
        // `git cat-file commit` prints the object; without the gpgsig header (and its
        // continuation lines) it is exactly what was signed.
        let object = try scratch.git("cat-file", "commit", sha) + "\n"
        var payload: [Substring] = []
        var inSignature = false
        for line in object.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("gpgsig ") {
                inSignature = true
            } else if inSignature && line.hasPrefix(" ") {
                continue
            } else {
                inSignature = false
                payload.append(line)
            }
        }
        #expect(String(decoding: signed.payload, as: UTF8.self) == payload.joined(separator: "\n"))
    }
}
