import CLibGit2

/// A commit's identity as plain hex, so callers can pin, print and compare what they read
/// (reports name the exact commit) without ever holding a libgit2 `git_oid`.
public struct GitObjectID: Hashable, Sendable, CustomStringConvertible {
    /// The full 40-character lowercase hex SHA-1.
    public let hex: String

    /// The first 12 hex characters: unambiguous in practice, short enough for humans.
    public var short: String { String(hex.prefix(12)) }

    public var description: String { hex }

    /// Accepts exactly 40 hex digits (any case); nil otherwise. A value made here may name
    /// a commit the repository does not have: reading through it throws `.unknownRef`.
    public init?(hex: String) {
        let lowered = hex.lowercased()
        guard lowered.utf8.count == 40, lowered.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return nil }
        self.hex = lowered
    }

    init(_ oid: git_oid) {
        var buffer = [CChar](repeating: 0, count: 41)
        withUnsafePointer(to: oid) { _ = git_oid_fmt(&buffer, $0) }
        hex = String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The libgit2 form, for lookups.
    var oid: git_oid {
        var oid = git_oid()
        _ = git_oid_fromstr(&oid, hex)
        return oid
    }
}
