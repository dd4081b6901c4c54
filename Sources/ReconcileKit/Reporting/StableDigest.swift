/// A short digest that stays the same across runs, machines and Swift versions (Swift's
/// `Hasher` is seeded per process): for SARIF fingerprints and "this file changed" in a
/// plan. FNV-1a, 64 bits; not for security.
public enum StableDigest {
    public static func hex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
