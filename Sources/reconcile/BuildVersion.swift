import BuildInfo
import ReconcileKit

/// `reconcile --version`: what was built (the VERSION file), from which commit, and the
/// libgit2 and libcurl it runs with, so an operator can tell a host's binary apart from
/// another's and see which Debian library update it picked up.
enum BuildVersion {
    static let version = String(cString: reconcile_build_version())
    static let commit = String(cString: reconcile_build_commit())

    /// One fact a line: "reconcile VERSION", then "commit: SHA", then "NAME: VERSION" per library.
    static var text: String {
        (["reconcile \(version)", "commit: \(commit)"] + RuntimeLibraries.versions.map { "\($0.name): \($0.version)" })
            .joined(separator: "\n")
    }
}
