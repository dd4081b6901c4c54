import Foundation
import TestSupport
import Testing

@testable import ReconcileKit

/// The pure parts of verified desired state: gpg's status lines (captured from real
/// `gpg --verify --status-fd 1` runs) to a verdict, the signer's key read out of a real
/// SSH signature, the `trust:` section, and what the command line and the manifests
/// together demand. The whole check against real keys is EndToEndTests' SignedCommitTests.
@Suite struct SignatureTests {
    static let aliceFingerprint = "0DB0B7C27292F9147B739AABBB6A48A429318F25"

    @Test func aGoodSignatureWithItsValidSigIsVerifiedAndNamesKeyAndUser() {
        let status = GPGStatus(
            """
            [GNUPG:] NEWSIG
            [GNUPG:] KEY_CONSIDERED \(Self.aliceFingerprint) 0
            [GNUPG:] SIG_ID aTfsVqpF0UeTX/WvuqJ9sOiBoEI 2026-11-28 1795851686
            [GNUPG:] GOODSIG BB6A48A429318F25 Alice <alice@example.com>
            [GNUPG:] VALIDSIG \(Self.aliceFingerprint) 2026-11-28 1795851686 0 4 0 22 8 00 \(Self.aliceFingerprint)
            [GNUPG:] TRUST_UNDEFINED 0 pgp
            """)
        #expect(status.verdict(exitStatus: 0) == .verified(signer: "GPG key \(Self.aliceFingerprint) (Alice <alice@example.com>)"))
        #expect(status.verdict(exitStatus: 2) != .verified(signer: "GPG key \(Self.aliceFingerprint) (Alice <alice@example.com>)"))
    }

    @Test func aKeyMissingFromTheKeyringIsUnknownNamedByItsFingerprint() {
        let status = GPGStatus(
            """
            [GNUPG:] NEWSIG
            [GNUPG:] ERRSIG BB6A48A429318F25 22 8 00 1795851686 9 \(Self.aliceFingerprint)
            [GNUPG:] NO_PUBKEY BB6A48A429318F25
            """)
        #expect(status.verdict(exitStatus: 2) == .unknownKey(signer: "GPG key \(Self.aliceFingerprint)"))
    }

    @Test func aBadSignatureIsRefusedEvenWhenALaterLineLooksGood() {
        let status = GPGStatus(
            """
            [GNUPG:] NEWSIG
            [GNUPG:] BADSIG BB6A48A429318F25 Alice <alice@example.com>
            [GNUPG:] GOODSIG BB6A48A429318F25 Alice <alice@example.com>
            [GNUPG:] FAILURE gpg-exit 33554433
            """)
        #expect(
            status.verdict(exitStatus: 1)
                == .bad(signer: "GPG key BB6A48A429318F25 (Alice <alice@example.com>)", detail: "gpg: BAD signature"))
    }

    @Test func aUserIDIsPercentDecodedAndNothingButStatusLinesCounts() {
        let status = GPGStatus(
            """
            gpg: Good signature from "Someone Else" [ultimate]
            [GNUPG:] GOODSIG BB6A48A429318F25 Eve%0A%1B[31m <eve@example.com>
            [GNUPG:] VALIDSIG \(Self.aliceFingerprint) 2026-11-28 1795851686 0 4 0 22 8 00 \(Self.aliceFingerprint)
            """)
        #expect(status.verdict(exitStatus: 0) == .verified(signer: "GPG key \(Self.aliceFingerprint) (Eve\n\u{1B}[31m <eve@example.com>)"))
        #expect(GPGStatus("gpg: Good signature from \"Alice\"\n").verdict(exitStatus: 0) != .verified(signer: "Alice"))
    }

    @Test func theSigningKeyIsReadFromARealSSHSignature() throws {
        let armored = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("signatures/ssh-commit.sig")))
        let key = try #require(SSHSignatureCheck.publicKey(inArmored: armored))
        #expect(key.type == "ssh-ed25519")
        #expect(key.blob.base64EncodedString() == "AAAAC3NzaC1lZDI1NTE5AAAAIBalHZs9u7lf+d4T3itoH9ZfdWNtKnqzO58Wx0bv1yZd")
        #expect(SSHSignatureCheck.publicKey(inArmored: Data("-----BEGIN SSH SIGNATURE-----\nAAAA\n".utf8)) == nil)
    }

    @Test func theTrustSectionDecodesAndRefusesKeysWithoutTheDemand() throws {
        let manifest = try decode("trust:\n  require_signed: true\n  gpg_keyring: /etc/reconcile/keyring.gpg\n")
        let trust = try #require(manifest.trust)
        #expect(trust.requireSigned)
        #expect(trust.keys == TrustedKeys(gpgKeyrings: ["/etc/reconcile/keyring.gpg"]))
        #expect(trust.position == SourcePosition(file: "test.yaml", line: 4, column: 19))
        #expect(
            errorLines("apiVersion: reconcile/v1\nkind: Environment\ntrust:\n  require_signed: false\n  allowed_signers: /etc/a\n")
                == [
                    "test.yaml:4:3: trust: allowed_signers and gpg_keyring name the keys of require_signed: true; set it, or remove them"
                ])
        #expect(
            errorLines("apiVersion: reconcile/v1\nkind: Environment\ntrust:\n  require_signed: true\n  allowed_signers: keys/a\n")
                .first?.contains("trust.allowed_signers") == true)
    }

    @Test func theCommandLinesKeysWinAndAManifestWithoutKeysNeedsThem() throws {
        let named = try decode("trust:\n  require_signed: true\n  allowed_signers: /etc/reconcile/allowed_signers\n")
        let bare = try decode("trust:\n  require_signed: true\n")
        let off = try decode("trust:\n  require_signed: false\n")
        let operatorKeys = TrustedKeys(gpgKeyrings: ["/srv/keyring.gpg"])

        let fromManifest = try #require(try SignatureRequirement.demanded(by: [named, bare], commandLineKeys: TrustedKeys()))
        #expect(fromManifest.keys == TrustedKeys(allowedSigners: ["/etc/reconcile/allowed_signers"]))
        #expect(fromManifest.keysFromManifest)
        #expect(fromManifest.demandedBy == "trust.require_signed at test.yaml:4:19")

        let fromOperator = try #require(try SignatureRequirement.demanded(by: [named], commandLineKeys: operatorKeys))
        #expect(fromOperator.keys == operatorKeys)
        #expect(!fromOperator.keysFromManifest)

        #expect(try SignatureRequirement.demanded(by: [off], commandLineKeys: operatorKeys) == nil)
        #expect(throws: SignatureRefusal.noKeys(demandedBy: "trust.require_signed at test.yaml:4:19")) {
            try SignatureRequirement.demanded(by: [bare, off], commandLineKeys: TrustedKeys())
        }
    }
}
