/// What a plan shows for a value the manifest holds under a secret-looking name
/// (``SecretName``): a fingerprint keyed by a random number drawn once per process, so
/// the two sides of one plan compare (equal values, equal fingerprints) while the text
/// means nothing outside the run and never is the value.
public enum SecretFingerprint {
    private static let key = UInt64.random(in: .min ... .max)

    /// `(secret 1f2e…)`.
    public static func of(_ value: String) -> String {
        var hasher = Hasher()
        hasher.combine(key)
        hasher.combine(value)
        return "(secret \(String(UInt64(bitPattern: Int64(hasher.finalize())), radix: 16)))"
    }
}
