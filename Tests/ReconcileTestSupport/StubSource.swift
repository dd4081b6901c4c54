import Foundation
import ReconcileKit

/// A desired-state source held in memory: a fixed origin and the files a test gives
/// (none by default), for checks that read other files at the manifest's ref.
public struct StubSource: DesiredStateSource {
    public var origin: SourceOrigin
    public var files: [String: String]

    public init(
        origin: SourceOrigin = SourceOrigin(
            repo: "/srv/config", ref: "HEAD", commit: "0123456789abcdef0123456789abcdef01234567", worktree: false),
        files: [String: String] = [:]
    ) {
        self.origin = origin
        self.files = files
    }

    public func read(_ path: String) throws -> Data {
        guard let text = files[path] else { throw SourceError.noSuchFile(path: path, in: "stub") }
        return Data(text.utf8)
    }

    public func list(_ directory: String) throws -> [String] {
        files.keys.filter { ($0 as NSString).deletingLastPathComponent == directory }.sorted()
    }
}

/// A dry run's context over `source`, with `environment` as the process environment.
public func dryRunContext(source: any DesiredStateSource = StubSource(), environment: [String: String] = [:]) -> ObservationContext {
    ObservationContext(mode: .dryRun, source: source, environment: environment)
}
