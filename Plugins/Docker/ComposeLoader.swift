import ReconcileKit

/// Reads the compose file named by `docker.compose` at the manifest's ref and derives
/// the desired containers and volumes from it.
enum ComposeLoader {
    /// Compose keys that are read but not compared (listed in the debug log and docs).
    static let uncomparedKeys: [String] = []

    static func load(_ reference: ComposeReference, source: any DesiredStateSource, environment: [String: String])
        -> ComposeObservation
    {
        ComposeObservation(
            file: reference.file, problem: "docker.compose is not supported by this build yet, so it was not checked")
    }
}
