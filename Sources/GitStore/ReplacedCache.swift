/// A cached clone that was broken on disk and has been cloned again: the run goes on,
/// and says once, on stderr, what was wrong with the old clone (a disk or a person
/// damaged it, and nothing else will tell them).
public struct ReplacedCache: Sendable, Equatable, CustomStringConvertible {
    /// The clone's directory (inside the cache directory; never holds a secret).
    public let path: String
    /// Why the old clone could not be used, in words.
    public let reason: String

    public var description: String { "the cached clone at \(path) was unusable (\(reason)); cloned again" }
}
