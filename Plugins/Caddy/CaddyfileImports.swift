import Foundation
import ReconcileKit

/// The files a Caddyfile imports, read from the repository at the same ref, so `caddy
/// adapt` can run on a copy of exactly those and nothing else of this host.
///
/// Why: a committed Caddyfile is written by whoever can push to the config repository,
/// and `caddy adapt` would read any file it names (`import /etc/shadow`) and quote it
/// in its error, which ends up in the report. So every `import` is checked before Caddy
/// runs: only a plain relative path inside the repository (a `*` allowed in its last
/// part) is accepted; an absolute path, a `..`, a placeholder (`{$VAR}`, `{args[0]}`:
/// Caddy would expand it into a path) is refused, and nothing runs.
///
/// Caddy's own reading is mirrored where it matters: `{$NAME}` and `{$NAME:default}` are
/// replaced before anything else (as empty or the default: Caddy runs with an empty
/// environment), tokens are split as Caddy's lexer splits them, and every `import`
/// token counts. An import naming a snippet (`(name) { … }`) reads no file.
enum CaddyfileImports {
    /// At most this many files are imported, counting every level.
    static let maxFiles = 200

    /// Why a Caddyfile was not adapted.
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// One `import` as committed: where it stands, what it names, and the files it brought
    /// in (none for a snippet).
    struct Statement: Sendable, Hashable {
        var from: String
        var line: Int
        var pattern: String
        var files: [String]
    }

    /// A Caddyfile and what it brings in: every file by repository path (the Caddyfile's
    /// own included), which of them are read outside any block (so they hold site blocks
    /// and snippets, not directives of a site), and every `import` statement.
    struct Collected: Sendable {
        var files: [String: Data] = [:]
        var topLevel: Set<String> = []
        var statements: [Statement] = []
    }

    /// The Caddyfile at `path` and the files it imports, reading each with `read`.
    static func collect(
        _ caddyfile: Data, path: String, read: (String) throws -> Data, list: (String) throws -> [String]
    ) throws(Refused) -> Collected {
        var collected = Collected(files: [path: caddyfile], topLevel: [path])
        var pending = [(path: path, text: caddyfile, topLevel: true)]
        var snippets = Set<String>()
        var imports: [(from: String, line: Int, pattern: String, topLevel: Bool)] = []
        while let next = pending.popLast() {
            let tokens = tokens(expandPlaceholders(String(decoding: next.text, as: UTF8.self)))
            var depth = 0
            for (index, token) in tokens.enumerated() {
                if token.text == "{" { depth += 1 }
                if token.text == "}" { depth -= 1 }
                if token.text.hasPrefix("("), token.text.hasSuffix(")"), token.text.count > 2 {
                    snippets.insert(String(token.text.dropFirst().dropLast()))
                }
                // Every `import` token counts, wherever it stands: refusing one Caddy
                // would not treat as a directive is safer than missing one it would.
                if token.text == "import", index + 1 < tokens.count {
                    imports.append((next.path, token.line, tokens[index + 1].text, next.topLevel && depth == 0))
                }
            }
            while let item = imports.popLast() {
                let where_ = "\(item.from):\(item.line)"
                if let problem = problem(with: item.pattern) {
                    throw Refused(description: "\(where_): import \(item.pattern) refused: \(problem)")
                }
                var statement = Statement(from: item.from, line: item.line, pattern: item.pattern, files: [])
                defer { collected.statements.append(statement) }
                if snippets.contains(item.pattern) { continue }
                let directory = (item.from as NSString).deletingLastPathComponent
                let target = directory.isEmpty ? item.pattern : "\(directory)/\(item.pattern)"
                statement.files = try matches(target, list: list, at: where_)
                for file in statement.files where collected.files[file] == nil {
                    guard collected.files.count <= maxFiles else {
                        throw Refused(description: "\(where_): more than \(maxFiles) imported files")
                    }
                    do {
                        let data = try read(file)
                        collected.files[file] = data
                        if item.topLevel { collected.topLevel.insert(file) }
                        pending.append((file, data, item.topLevel))
                    } catch {
                        throw Refused(
                            description: "\(where_): import \(item.pattern): \(file) is not in the repository at this ref: \(error)")
                    }
                }
            }
        }
        return collected
    }

    /// Why `pattern` may not be imported, or nil for a plain relative path.
    static func problem(with pattern: String) -> String? {
        if pattern.hasPrefix("/") { return "an absolute path; import only files of the repository, by relative path" }
        if pattern.contains("{") || pattern.contains("}") || pattern.contains("$") {
            return "a placeholder in an import path is never expanded by reconcile"
        }
        if pattern.contains("\\") || pattern.hasPrefix("~") { return "not a plain relative path" }
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains("..") { return "'..' leaves the Caddyfile's directory; import only files of the repository" }
        if parts.dropLast().contains(where: { $0.contains("*") }) || (parts.last?.filter { $0 == "*" }.count ?? 0) > 1 {
            return "a '*' is allowed once, in the last part of the path only"
        }
        return nil
    }

    /// The repository files `target` names: itself, or the files of its directory its
    /// last part matches when it has a `*`.
    static func matches(_ target: String, list: (String) throws -> [String], at place: String) throws(Refused) -> [String] {
        let normalized = target.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        guard normalized.contains("*") else { return [normalized] }
        let directory = (normalized as NSString).deletingLastPathComponent
        let pattern = (normalized as NSString).lastPathComponent
        let star = pattern.firstIndex(of: "*")!
        let prefix = pattern[..<star]
        let suffix = pattern[pattern.index(after: star)...]
        let names: [String]
        do {
            names = try list(directory)
        } catch {
            throw Refused(
                description: "\(place): import \(target): cannot list \(directory.isEmpty ? "." : directory) at the ref: \(error)")
        }
        return names.map { ($0 as NSString).lastPathComponent }.filter { base in
            base.count >= prefix.count + suffix.count && base.hasPrefix(prefix) && base.hasSuffix(suffix)
                && !base.hasPrefix(".")
        }
        .map { directory.isEmpty ? $0 : "\(directory)/\($0)" }
    }

    /// Caddy's `{$NAME}` / `{$NAME:default}` replacement, with an empty environment: the
    /// default when there is one, else nothing.
    static func expandPlaceholders(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{$") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            result += rest[..<open.lowerBound]
            let inside = rest[open.upperBound..<close]
            if inside.isEmpty {
                result += rest[open.lowerBound...close]
            } else if let colon = inside.firstIndex(of: ":") {
                result += inside[inside.index(after: colon)...]
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// The Caddyfile's tokens and the line each starts on, split as Caddy's lexer splits
    /// them: whitespace separates; `"` or `` ` `` at a token's start quotes it (a backslash
    /// escapes `"` inside double quotes); `#` at a token's start comments out the rest of
    /// the line; a backslash escapes the next character elsewhere (so a backslash before a
    /// newline continues the line).
    static func tokens(_ text: String) -> [(line: Int, text: String)] {
        var tokens: [(line: Int, text: String)] = []
        var line = 1
        var tokenLine = 1
        var value = ""
        var started = false
        var quote: Character?
        var escaped = false
        var comment = false
        func finish() {
            if started { tokens.append((tokenLine, value)) }
            value = ""
            started = false
        }
        for character in text {
            if let open = quote {
                if open == "\"" && escaped {
                    if character != "\"" { value.append("\\") }
                    escaped = false
                } else if character == open {
                    quote = nil
                    finish()
                    continue
                } else if open == "\"" && character == "\\" {
                    escaped = true
                    continue
                }
                if character == "\n" { line += 1 }
                value.append(character)
                continue
            }
            if character.isWhitespace {
                if character == "\n" {
                    line += 1
                    if escaped { escaped = false } else { comment = false }
                }
                if !value.isEmpty { finish() }
                continue
            }
            if character == "#" && value.isEmpty && !started { comment = true }
            if comment { continue }
            if !started {
                started = true
                tokenLine = line
                if character == "\"" || character == "`" {
                    quote = character
                    continue
                }
            }
            if escaped {
                value.append("\\")
                escaped = false
            }
            if character == "\\" {
                escaped = true
                continue
            }
            value.append(character)
        }
        finish()
        return tokens
    }
}
