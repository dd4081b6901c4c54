import ReconcileKit
import Testing

/// A changed value whose two sides differ only in what is masked still shows a change,
/// on the masked part that changed, and never the secret.
@Suite struct MaskedChangeTests {
    let mask = SecretMask(secrets: ["registered-token"])

    @Test(
        arguments: [
            ("postgres://app:old@db/app", "postgres://app:new@db/app", "postgres://***@db/app", "postgres://***(changed)@db/app"),
            ("https://u:p@h/x?token=t1", "https://u:p@h/x?token=t2", "https://***@h/x?token=***", "https://***@h/x?token=***(changed)"),
            ("https://u:p1@h/x?token=t", "https://u:p2@h/x?token=t", "https://***@h/x?token=***", "https://***(changed)@h/x?token=***"),
            // Different visible text: the masks alone need no mark.
            ("https://u:p@h/x", "https://u:q@h/y", "https://***@h/x", "https://***@h/y"),
            ("same", "same", "same", "same"),
        ])
    func onlyTheChangedMaskedPartIsMarked(_ old: String, _ new: String, _ shownOld: String, _ shownNew: String) {
        let shown = mask.maskChange(old: old, new: new)
        #expect(shown.old == shownOld)
        #expect(shown.new == shownNew)
    }

    @Test func anAddedOrRemovedValueIsOnlyMasked() {
        #expect(mask.maskChange(old: nil, new: "x registered-token").new == "x ***")
        #expect(mask.maskChange(old: "https://u:p@h", new: nil).old == "https://***@h")
    }
}
