/// One spelling of a filesystem path for comparisons: Django's MEDIA_ROOT, a mount's
/// target and a bind mount's source name the same directory whether written
/// `/app/media/`, `/app/media` or `//app//media`, so checkers that compare paths compare
/// them through this, never as plain strings. Lexical only: nothing is resolved on disk,
/// and `.` and `..` are kept (`./data` is a relative bind source; through a symbolic
/// link `..` is not the parent).
public enum FilesystemPath {
    /// `/srv/x/` → `/srv/x`, `//a//b` → `/a/b`; `/` stays `/`, a relative path stays
    /// relative.
    public static func normalised(_ path: String) -> String {
        let joined = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : joined
    }

    /// Whether `a` and `b` name the same path once normalised.
    public static func same(_ a: String, _ b: String) -> Bool {
        normalised(a) == normalised(b)
    }
}
