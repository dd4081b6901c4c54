import GitStore

/// The C libraries reconcile loads at run time, with the versions the loader found: a
/// packaged binary links Debian's libgit2 and libcurl, whose versions follow the host's
/// updates, not the build's. `reconcile --version` prints them.
public enum RuntimeLibraries {
    /// Name and version, in the order `--version` prints them.
    public static var versions: [(name: String, version: String)] {
        [("libgit2", LibGit2Runtime.version), ("libcurl", LibCurlRuntime.version)]
    }
}
