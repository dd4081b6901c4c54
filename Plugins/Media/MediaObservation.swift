import DockerChecker
import ReconcileKit

/// Something the media chain needed to know: the value seen, or why it could not be
/// seen (a missing section, an unreachable service). Unknown is never taken as ok.
public enum Fact<Value: Sendable & Hashable>: Sendable, Hashable {
    case observed(Value)
    case unknown(String)
}

/// Where Django writes uploads: the directory of its default storage. That is MEDIA_ROOT
/// unless STORAGES["default"] (DEFAULT_FILE_STORAGE before Django 5.1) gives the storage a
/// location of its own, which then wins: comparing MEDIA_ROOT alone would call a chain
/// healthy while every upload goes elsewhere.
public struct UploadDirectory: Sendable, Hashable {
    public var path: String
    /// The setting that chose a storage with its own location (`STORAGES["default"]`);
    /// nil when the directory is MEDIA_ROOT.
    public var storageSetting: String?
    /// That storage's class, when it has its own location.
    public var backend: String?
    /// MEDIA_ROOT, which the storage ignores, when it has its own location.
    public var mediaRoot: String?
}

/// Whether Django routes MEDIA_URL itself, and whether only DEBUG makes it do so.
public enum DjangoMediaRouting: Sendable, Hashable {
    /// MEDIA_URL does not resolve through the URLconf.
    case notRouted
    /// Through static(), which makes routes only while DEBUG is on: DEBUG is the cause.
    case onlyUnderDebug
    /// Through a route of its own (or one whose origin could not be told).
    case routed
}

/// What backs `container_path` in the container: the mount's kind, its volume name (for
/// a volume) and its source on the host.
public struct MountFact: Sendable, Hashable {
    public var type: String
    public var volume: String?
    public var source: String
}

/// The Caddy route that answers requests under `served_at`: its path, what it does, the
/// prefix it strips, and where Caddy listens for it (for the live proof).
public struct RouteFact: Sendable, Hashable {
    public var path: String
    public var handler: String
    public var root: String?
    public var stripPrefix: String?
    /// `http://127.0.0.1:8080`, derived from the server's listen address.
    public var baseURL: String?
    /// The host to send (`Host:`), when the route is for named hosts.
    public var host: String?
    /// Admin API path of the root (or of the route), for the fix.
    public var jsonPath = ""
}

/// The end-to-end proof: a file under `host_path` fetched through Caddy at `served_at`.
public struct LiveProof: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// The bytes Caddy served are the file's.
        case served
        /// Caddy answered with this status (404: the chain is broken somewhere).
        case status(Int)
        /// Caddy answered 200 with other bytes (another file, an index page).
        case differentBytes(Int)
        /// No answer at all.
        case failed(String)
    }

    /// The URL fetched.
    public var url: String
    /// The file on the host it should have served.
    public var file: String
    /// True when the file was a probe written (and deleted) by reconcile.
    public var wroteProbe: Bool
    public var outcome: Outcome
}

/// Every link of one chain, as observed.
public struct ChainObservation: Sendable, Hashable {
    /// Where Django's default storage writes: MEDIA_ROOT, or the storage's own location.
    public var mediaRoot: Fact<UploadDirectory>
    /// Whether a request to MEDIA_URL resolves through Django's URLconf, and why.
    public var djangoServesMedia: Fact<DjangoMediaRouting>
    /// The mount at `container_path` (observed nil: nothing is mounted there).
    public var mount: Fact<MountFact?>
    /// Where Caddy must find the files: `host_path`, or, when Caddy runs in a container,
    /// that container's mount target of the same source.
    public var expectedCaddyRoot: Fact<String>
    /// The route answering `served_at` (observed nil: none does).
    public var route: Fact<RouteFact?>
    public var live: Fact<LiveProof>
    /// How to recreate the container with the mount (compose or docker run, as it was
    /// made); nil when it was not inspected.
    public var repair: ContainerRepair?
}

/// The media checker's observation: one `ChainObservation` per chain, by name.
public struct MediaObservation: Sendable, Hashable {
    public var chains: [String: ChainObservation]
}
