/// The lifecycle states the Docker Engine API reports in `State.Status`, in its own
/// words, so a manifest reads like `docker ps`.
public enum ContainerState: String, Sendable, Hashable, Codable, CaseIterable {
    case created, running, paused, restarting, exited, dead
    /// Transient (`docker rm` in progress): observed, never valid in a manifest.
    case removing
}
