/// Names whose values are secrets by the convention Django uses for its settings
/// (`SafeExceptionReporterFilter.hidden_settings`): a Django setting of such a name is
/// never read, and a container variable of such a name never has its value shown.
public enum SecretName {
    /// Whether `name` contains API, TOKEN, KEY, SECRET, PASS or SIGNATURE (any case).
    public static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["API", "TOKEN", "KEY", "SECRET", "PASS", "SIGNATURE"].contains { upper.contains($0) }
    }
}
