/// One argument of a command a fix prints for pasting into a POSIX shell: as is when
/// it is plain, else single-quoted, so a value from a live service (a command line, a
/// path, an environment value) reaches the program as exactly one word.
public enum ShellWord {
    /// `/app/media` → `/app/media`; `a b` → `'a b'`; `it's` → `'it'\''s'`; `` → `''`.
    public static func quoted(_ text: String) -> String {
        let plain =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_./:,@%+=".unicodeScalars.contains($0))
            }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
