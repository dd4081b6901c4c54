import ReconcileKit

/// What the manifest says of one middleware directive of a route: compared by what it
/// names only (a `header:` listing one header says nothing of the others), against the
/// live route's middleware of that kind.
///
/// Secrets are never in a manifest: `basic_auth` names the accounts, not their hashes.
public enum CaddyMiddlewareExpectation: Sendable, Hashable {
    /// `rewrite`: the URI the request is rewritten to (`{uri}` as in the Caddyfile).
    case rewrite(String)
    /// `encode`: the encodings offered (gzip, zstd).
    case encode([String])
    /// `header`: response-header operations, keyed as the Caddyfile's `header` directive
    /// spells them (`Name` set, `+Name` add, `-Name` delete with an empty value, `?Name`
    /// set when absent; names canonical), each compared with every live operation on
    /// the same header (see `CaddyHeaderOperations`).
    case header([String: String])
    /// `basic_auth` (`basicauth`): the account names.
    case basicAuth([String])
    /// `forward_auth`: the auth service (dial form) and the URI it is asked at. It is a
    /// gate before the route's responder, never the route's upstream.
    case forwardAuth(upstream: String, uri: String?)
    /// `try_files`: the files tried, in order (`{path}` as in the Caddyfile).
    case tryFiles([String])
    /// `request_body`: the largest body accepted, as written (`10MB`) and in bytes.
    case requestBody(maxSize: String, bytes: Int)

    static let forwardAuthObject = ManifestObject([
        .required("upstream", .string(.nonEmpty), "The auth service: host:port or http://host:port."),
        .optional("uri", .string(.nonEmpty), "The URI it is asked at (/auth/)."),
    ])
    static let requestBodyObject = ManifestObject([
        .required(
            "max_size", .string(.pattern("[0-9]+\\s*([kKmMgGtT]i?)?[bB]?", hint: "a size such as 10MB or 512KiB")),
            "The largest request body (10MB, 1GiB).")
    ])
    static let keys: [ManifestKey] = [
        .optional("rewrite", .string(.nonEmpty), "Middleware: rewrite the request to this URI."),
        .optional("encode", .list(.string(.choice(["gzip", "zstd"]))), "Middleware: compress responses with these encodings."),
        .optional(
            "header", .dictionary(.string(.any)),
            "Middleware: response headers as the Caddyfile's header directive spells them: Name: value sets, "
                + "+Name: value adds, -Name: \"\" deletes, ?Name: value sets when the response has none."),
        .optional("basic_auth", .list(.string(.nonEmpty)), "Middleware: HTTP basic auth with these accounts (names only)."),
        .optional("forward_auth", .object(forwardAuthObject), "Middleware: ask this auth service first (a gate, not the upstream)."),
        .optional("try_files", .list(.string(.nonEmpty)), "Middleware: rewrite to the first of these files that exists."),
        .optional("request_body", .object(requestBodyObject), "Middleware: limit the request body."),
    ]

    /// The manifest key (and Caddyfile directive) it is written as.
    public var name: String {
        switch self {
        case .rewrite: "rewrite"
        case .encode: "encode"
        case .header: "header"
        case .basicAuth: "basic_auth"
        case .forwardAuth: "forward_auth"
        case .tryFiles: "try_files"
        case .requestBody: "request_body"
        }
    }

    static func decode(_ map: ManifestMapping) throws -> [CaddyMiddlewareExpectation] {
        var result: [CaddyMiddlewareExpectation] = []
        if let node = map.optional("rewrite") { result.append(.rewrite(try node.string())) }
        if let node = map.optional("encode") { result.append(.encode(Array(Set(try node.stringList())).sorted())) }
        if let node = map.optional("header") {
            var fields: [String: String] = [:]
            for entry in try node.entries() {
                let key = CaddyHeaderOperations.canonicalKey(entry.key)
                let value = try entry.value.string()
                guard !CaddyHeaderOperations.name(ofKey: key).isEmpty else { throw entry.keyNode.error("names no header") }
                guard fields[key] == nil else { throw entry.keyNode.error("the same operation as another key: \(key)") }
                if key.hasPrefix("-") && !value.isEmpty {
                    throw entry.value.error("\(key) deletes the header: its value must be empty (\"\"), not '\(value)'")
                }
                fields[key] = value
            }
            result.append(.header(fields))
        }
        if let node = map.optional("basic_auth") { result.append(.basicAuth(Array(Set(try node.stringList())).sorted())) }
        if let node = map.optional("forward_auth") {
            let fields = try node.mapping(forwardAuthObject)
            let upstream = try CaddyRouteSpec.upstream(try fields.required("upstream"))
            result.append(.forwardAuth(upstream: upstream, uri: try fields.optional("uri")?.string()))
        }
        if let node = map.optional("try_files") { result.append(.tryFiles(try node.stringList())) }
        if let node = map.optional("request_body") {
            let sizeNode = try node.mapping(requestBodyObject).required("max_size")
            let text = try sizeNode.string()
            guard let bytes = byteCount(text) else { throw sizeNode.error("'\(text)' is not a size such as 10MB") }
            result.append(.requestBody(maxSize: text, bytes: bytes))
        }
        return result
    }

    /// Go humanize's sizes, as Caddy parses them: `10MB` = 10,000,000, `10MiB` = 10 × 2²⁰.
    static func byteCount(_ text: String) -> Int? {
        let trimmed = text.replacingOccurrences(of: " ", with: "").lowercased()
        let digits = trimmed.prefix { $0.isNumber }
        guard let number = Int(digits) else { return nil }
        var unit = String(trimmed.dropFirst(digits.count))
        if unit.hasSuffix("b") { unit.removeLast() }
        let binary = unit.hasSuffix("i")
        if binary { unit.removeLast() }
        let powers = ["": 0, "k": 1, "m": 2, "g": 3, "t": 4]
        guard let power = powers[unit] else { return nil }
        let base = binary ? 1024 : 1000
        return (0..<power).reduce(number) { value, _ in value * base }
    }

    /// How the manifest's value reads.
    var expectedText: String {
        switch self {
        case .rewrite(let uri): "rewrite \(uri)"
        case .encode(let encodings): "encode " + encodings.joined(separator: " ")
        case .header(let fields):
            "header " + fields.keys.sorted().map { CaddyHeaderOperations.caddyfileLine($0, fields[$0]!) }.joined(separator: "; ")
        case .basicAuth(let users): "basic_auth for " + users.joined(separator: ", ")
        case .forwardAuth(let upstream, let uri): "forward_auth \(upstream)" + (uri.map { " uri \($0)" } ?? "")
        case .tryFiles(let files): "try_files " + files.joined(separator: " ")
        case .requestBody(let text, _): "request_body max_size \(text)"
        }
    }

    /// The Caddyfile lines of the directive, inside the route's block.
    var caddyfileLines: [String] {
        switch self {
        case .rewrite(let uri): return ["rewrite * \(uri)"]
        case .encode(let encodings): return ["encode " + encodings.joined(separator: " ")]
        case .header(let fields):
            let lines = fields.keys.sorted().map { CaddyHeaderOperations.caddyfileLine($0, fields[$0]!) }
            return lines.count == 1 ? ["header " + lines[0]] : ["header {"] + lines.map { "\t" + $0 } + ["}"]
        case .basicAuth(let users): return ["basicauth {"] + users.map { "\t\($0) <bcrypt hash of \($0)'s password>" } + ["}"]
        case .forwardAuth(let upstream, let uri):
            return uri.map { ["forward_auth \(upstream) {", "\turi \($0)", "}"] } ?? ["forward_auth \(upstream)"]
        case .tryFiles(let files): return ["try_files " + files.joined(separator: " ")]
        case .requestBody(let text, _): return ["request_body {", "\tmax_size \(text)", "}"]
        }
    }

    /// How the live middleware differs from this expectation, or nil when it does not;
    /// `at` is where a missing directive would go (the live route's JSON path).
    func difference(_ live: [CaddyMiddleware], at routePath: String) -> CaddyDifference? {
        let mine = live.filter { $0.name == name }
        guard let first = mine.first else {
            return CaddyDifference(.middleware, "missing middleware: expected \(expectedText), live none", routePath)
        }
        let observed: String
        switch self {
        case .rewrite(let uri):
            observed = mine.compactMap { $0.json["uri"]?.string }.joined(separator: ", ")
            if observed == Self.expandShorthands(uri) { return nil }
            return mismatch("rewrite", uri, observed, first.jsonPath + "/uri")
        case .encode(let encodings):
            let have = Set(mine.flatMap { $0.json["encodings"]?.object?.keys.map { $0 } ?? [] }).sorted()
            if have == encodings { return nil }
            return mismatch("encode", encodings.joined(separator: " "), have.joined(separator: " "), first.jsonPath + "/encodings")
        case .header(let fields):
            // Every header named is said, each with all the live operations on it.
            let live = CaddyHeaderOperations(mine)
            var wrong: [CaddyDifference] = []
            for name in Set(fields.keys.map(CaddyHeaderOperations.name(ofKey:))).sorted() {
                let want = fields.filter { CaddyHeaderOperations.name(ofKey: $0.key) == name }
                let have = live.values.filter { CaddyHeaderOperations.name(ofKey: $0.key) == name }
                guard want != have else { continue }
                let path = have.keys.sorted().first.flatMap { live.paths[$0] } ?? first.jsonPath + "/response"
                if want.keys.sorted() == [name] && have.keys.allSatisfy({ $0 == name }) {
                    wrong.append(mismatch("header \(name)", want[name]!, have[name] ?? "not set", path))
                } else {
                    let spelled = CaddyHeaderOperations.spelled
                    wrong.append(mismatch("header \(name)", spelled(want, name)!, spelled(have, name) ?? "", path))
                }
            }
            guard let firstWrong = wrong.first else { return nil }
            return CaddyDifference(.middleware, wrong.map(\.text).joined(separator: "; "), firstWrong.jsonPath)
        case .basicAuth(let users):
            let accounts = mine.flatMap { $0.json["providers"]?["http_basic"]?["accounts"]?.array ?? [] }
            let have = Set(accounts.compactMap { $0["username"]?.string }).sorted()
            if have == users { return nil }
            return mismatch(
                "basic_auth accounts", users.joined(separator: ", "), have.joined(separator: ", "),
                first.jsonPath + "/providers/http_basic/accounts")
        case .forwardAuth(let upstream, let uri):
            let dials = Set(mine.flatMap { ($0.json["upstreams"]?.array ?? []).compactMap { $0["dial"]?.string } })
            if !dials.contains(upstream) {
                return mismatch("forward_auth upstream", upstream, dials.sorted().joined(separator: " "), first.jsonPath + "/upstreams")
            }
            let uris = mine.compactMap { $0.json["rewrite"]?["uri"]?.string }
            if let uri, !uris.contains(uri) {
                return mismatch("forward_auth uri", uri, uris.joined(separator: ", "), first.jsonPath + "/rewrite/uri")
            }
            return nil
        case .tryFiles(let files):
            let have = (first.json["file"]?["try_files"]?.array ?? []).compactMap(\.string)
            if have == files.map(Self.expandShorthands) { return nil }
            return mismatch("try_files", files.joined(separator: " "), have.joined(separator: " "), first.jsonPath + "/match")
        case .requestBody(let text, let bytes):
            let have = first.json["max_size"].map(\.canonicalText)
            if have == String(bytes) { return nil }
            return mismatch("request_body max_size", "\(text) (\(bytes) bytes)", have.map { "\($0) bytes" } ?? "none", first.jsonPath)
        }
    }

    private func mismatch(_ what: String, _ expected: String, _ observed: String, _ path: String) -> CaddyDifference {
        CaddyDifference(.middleware, "a different \(what): expected \(expected), live \(observed.isEmpty ? "none" : observed)", path)
    }

    /// The Caddyfile's placeholder shorthands and what the adapter expands them to.
    static let shorthands: [(short: String, long: String)] = [
        ("{path}", "{http.request.uri.path}"), ("{query}", "{http.request.uri.query}"), ("{uri}", "{http.request.uri}"),
        ("{host}", "{http.request.host}"), ("{dir}", "{http.request.uri.path.dir}"),
        ("{file}", "{http.request.uri.path.file}"), ("{method}", "{http.request.method}"),
    ]

    static func expandShorthands(_ text: String) -> String {
        shorthands.reduce(text) { $0.replacingOccurrences(of: $1.short, with: $1.long) }
    }
}

extension CaddyMiddlewareExpectation {
    /// The live header operations a manifest route leaves uncompared, for its finding to
    /// say (an `ok` never hides them): those on headers its `header:` does not name, and
    /// those no manifest key can say. Empty when there is none.
    static func uncomparedHeaders(_ expectations: [CaddyMiddlewareExpectation], live: [CaddyMiddleware]) -> String {
        let operations = CaddyHeaderOperations(live)
        var named: Set<String> = []
        for case .header(let fields) in expectations { named.formUnion(fields.keys.map(CaddyHeaderOperations.name(ofKey:))) }
        var parts: [String] = []
        let unnamed = operations.unnamed(named)
        if !unnamed.isEmpty {
            parts.append(unnamed.map { "header \($0)" }.joined(separator: ", ") + " (the manifest's header: does not name it)")
        }
        if !operations.unsayable.isEmpty {
            parts.append(operations.unsayable.joined(separator: ", ") + " (no manifest key says it yet)")
        }
        return parts.isEmpty ? "" : "; not compared: " + parts.joined(separator: "; ")
    }
}
