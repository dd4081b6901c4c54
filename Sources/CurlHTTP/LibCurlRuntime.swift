internal import CCurl

/// The libcurl this process runs with (the shared library the loader found, which can be
/// newer than the headers reconcile was built with): what `reconcile --version` reports.
public enum LibCurlRuntime {
    /// libcurl's own version string, e.g. "7.88.1".
    public static var version: String {
        reconcile_runtime_version().map { String(cString: $0) } ?? "unknown"
    }
}
