import ReconcileKit
import Testing

/// Every way a manifest can be wrong gives one exact message at one exact place
/// (file:line:column, then the key path): editors, `validate` and CI annotations all
/// depend on it. Health-specific rows live in HealthCheckerTests.
@Suite struct ManifestErrorTableTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        let errors: [String]
        var overrides: [String: String] = [:]
        var testDescription: String { name }
    }

    static let head = "apiVersion: reconcile/v1\nkind: Environment\n"

    static let rows: [Row] = [
        Row(
            name: "unclosed quote points at where the quoted string starts",
            text: head + "name: \"production\n",
            errors: [
                "test.yaml:3:7: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 3)"
            ]),
        Row(
            name: "bad indentation",
            text: head + "probe:\n  label: a\n    count: 2\n",
            errors: ["test.yaml:5:10: invalid YAML: mapping values are not allowed in this context"]),
        Row(
            name: "tab indentation",
            text: head + "probe:\n\tlabel: a\n",
            errors: [
                "test.yaml:4:1: invalid YAML: found character that cannot start any token (while scanning for the next token at line 4)"
            ]),
        Row(
            name: "unknown top-level key with did-you-mean",
            text: head + "prob:\n  label: a\n",
            errors: [
                "test.yaml:3:1: prob: unknown key 'prob'; did you mean 'probe'? (allowed: apiVersion, kind, name, vars, apply, notify, trust, plugins, alpha, beta, gamma, probe, values)"
            ]),
        Row(
            name: "unknown key without a plausible suggestion lists what is allowed",
            text: head + "kubernetes: {}\n",
            errors: [
                "test.yaml:3:1: kubernetes: unknown key 'kubernetes' (allowed: apiVersion, kind, name, vars, apply, notify, trust, plugins, alpha, beta, gamma, probe, values)"
            ]),
        Row(
            name: "unknown key two levels down",
            text: head + "probe:\n  nested:\n    iner: x\n",
            errors: [
                "test.yaml:5:5: probe.nested.iner: unknown key 'iner'; did you mean 'inner'? (allowed: inner)",
                "test.yaml:5:5: probe.nested: missing required key 'inner'",
            ]),
        Row(
            name: "string where a boolean is expected",
            text: head + "probe:\n  enabled: \"true\"\n",
            errors: ["test.yaml:4:12: probe.enabled: expected true or false, found string 'true'"]),
        Row(
            name: "yes is a string in YAML 1.2, not a boolean",
            text: head + "probe:\n  enabled: yes\n",
            errors: ["test.yaml:4:12: probe.enabled: expected true or false, found string 'yes'"]),
        Row(
            name: "string where an integer is expected",
            text: head + "probe:\n  count: \"3\"\n",
            errors: ["test.yaml:4:10: probe.count: expected an integer, found string '3'"]),
        Row(
            name: "integer out of range",
            text: head + "probe:\n  count: 11\n",
            errors: ["test.yaml:4:10: probe.count: 11 is out of range 1...10"]),
        Row(
            name: "list where a string is expected",
            text: head + "probe:\n  label: [a, b]\n",
            errors: ["test.yaml:4:10: probe.label: expected a string, found a list"]),
        Row(
            name: "a single string is not a list",
            text: head + "probe:\n  tags: web\n",
            errors: ["test.yaml:4:9: probe.tags: expected a list, found string 'web'"]),
        Row(
            name: "a section that is not a mapping",
            text: head + "probe: [label]\n",
            errors: ["test.yaml:3:8: probe: expected a mapping of key: value, found a list"]),
        Row(
            name: "URL without a scheme",
            text: head + "probe:\n  url: example.com/health\n",
            errors: ["test.yaml:4:8: probe.url: 'example.com/health' is not a URL (expected http:// or https://…)"]),
        Row(
            name: "URL with an unsupported scheme",
            text: head + "probe:\n  url: ftp://example.com/\n",
            errors: ["test.yaml:4:8: probe.url: unsupported URL scheme 'ftp' in 'ftp://example.com/'; use http, https"]),
        Row(
            name: "URL without a host",
            text: head + "probe:\n  url: https:///health\n",
            errors: ["test.yaml:4:8: probe.url: 'https:///health' has no host"]),
        Row(
            name: "URL with only a port",
            text: head + "probe:\n  url: http://:8000/\n",
            errors: ["test.yaml:4:8: probe.url: 'http://:8000/' has no host"]),
        Row(
            name: "unix socket URL needs an absolute path",
            text: head + "probe:\n  socket: unix://run/caddy.sock\n",
            errors: ["test.yaml:4:11: probe.socket: 'unix://run/caddy.sock' needs an absolute socket path: unix:///path/to.sock"]),
        Row(
            name: "unknown variable with did-you-mean",
            text: head + "vars:\n  domain: example.com\nprobe:\n  url: https://${domian}/\n",
            errors: [
                "test.yaml:6:8: probe.url: unknown variable ${domian}; did you mean 'domain'? (define it under vars: or pass --var domian=VALUE)"
            ]),
        Row(
            name: "variables that use each other in a cycle",
            text: head + "vars:\n  a: \"${b}\"\n  b: x-${a}\nprobe:\n  url: https://${a}/\n",
            errors: ["test.yaml:4:6: vars.a: variable a uses itself: ${a} → ${b} → ${a}"]),
        Row(
            name: "a variable that uses an unknown one",
            text: head + "vars:\n  media: ${rot}/media\n  root: /srv\n",
            errors: [
                "test.yaml:4:10: vars.media: unknown variable ${rot}; did you mean 'root'? (define it under vars: or pass --var rot=VALUE)"
            ]),
        Row(
            name: "unterminated variable reference",
            text: head + "probe:\n  label: \"${domain\"\n",
            errors: ["test.yaml:4:10: probe.label: unterminated variable reference in '${domain' (expected ${name})"]),
        Row(
            name: "a variable must be a scalar",
            text: head + "vars:\n  hosts: [a, b]\n",
            errors: ["test.yaml:4:10: vars.hosts: expected a string or a number, found a list"]),
        Row(
            name: "missing required key",
            text: head + "probe:\n  nested: {}\n",
            errors: ["test.yaml:4:11: probe.nested: missing required key 'inner'"]),
        Row(
            name: "missing apiVersion",
            text: "kind: Environment\n",
            errors: ["test.yaml:1:1: missing required key 'apiVersion'"]),
        Row(
            name: "missing kind",
            text: "apiVersion: reconcile/v1\n",
            errors: ["test.yaml:1:1: missing required key 'kind'"]),
        Row(
            name: "wrong apiVersion",
            text: "apiVersion: reconcile/v2\nkind: Environment\n",
            errors: ["test.yaml:1:13: apiVersion: unsupported apiVersion 'reconcile/v2'; this reconcile reads reconcile/v1"]),
        Row(
            name: "wrong kind",
            text: "apiVersion: reconcile/v1\nkind: Cluster\n",
            errors: ["test.yaml:2:7: kind: unsupported kind 'Cluster'; expected Environment"]),
        Row(
            name: "duplicate key: at the repeat, with its key path and the first line",
            text: head + "name: a\nname: b\n",
            errors: ["test.yaml:4:1: name: duplicate key 'name' (first at line 3)"]),
        Row(
            name: "duplicate key nested in a list item",
            text: head + "probe:\n  label: a\n  items:\n    - { x: 1 }\n    - x: 1\n      y: 2\n      \"x\": 3\n",
            errors: ["test.yaml:9:7: probe.items[1].x: duplicate key 'x' (first at line 7)"]),
        Row(
            name: "duplicate key in a flow mapping, after a key repeated three times",
            text: head + "probe: {label: a, 'label': b, count: 1, label: c}\n",
            errors: ["test.yaml:3:19: probe.label: duplicate key 'label' (first at line 3, column 9)"]),
        Row(
            name: "empty document",
            text: "",
            errors: ["test.yaml:1:1: the manifest is empty; it needs at least apiVersion: reconcile/v1"]),
        Row(
            name: "a document of comments only is empty",
            text: "# nothing yet\n\n",
            errors: ["test.yaml:1:1: the manifest is empty; it needs at least apiVersion: reconcile/v1"]),
        Row(
            name: "a document that is not a mapping",
            text: "- apiVersion: reconcile/v1\n",
            errors: ["test.yaml:1:1: expected a mapping of key: value, found a list"]),
        Row(
            name: "a missing apiVersion does not hide the sections' errors",
            text: "kind: Environment\nprobe:\n  count: 0\n",
            errors: [
                "test.yaml:1:1: missing required key 'apiVersion'",
                "test.yaml:3:10: probe.count: 0 is out of range 1...10",
            ]),
        Row(
            name: "every problem of a manifest in one pass",
            text: "apiVersion: reconcile/v9\nkind: Environment\nnmae: x\nprobe:\n  url: ftp://x/\nalpha:\n  scrip: a\n",
            errors: [
                "test.yaml:1:13: apiVersion: unsupported apiVersion 'reconcile/v9'; this reconcile reads reconcile/v1",
                "test.yaml:3:1: nmae: unknown key 'nmae'; did you mean 'name'? (allowed: apiVersion, kind, name, vars, apply, notify, trust, plugins, alpha, beta, gamma, probe, values)",
                "test.yaml:5:8: probe.url: unsupported URL scheme 'ftp' in 'ftp://x/'; use http, https",
                "test.yaml:7:3: alpha.scrip: unknown key 'scrip'; did you mean 'script'? (allowed: script)",
                "test.yaml:7:3: alpha: missing required key 'script'",
            ]),
    ]

    @Test("a broken manifest gives exactly these errors at these positions", arguments: rows)
    func brokenManifest(_ row: Row) {
        #expect(errorLines(row.text, overrides: row.overrides) == row.errors)
    }

    @Test func errorsCarryFileLineColumnAndKeyPathSeparately() throws {
        let error = try #require(
            ManifestErrorsCatcher.errors(in: Self.head + "probe:\n  count: zero\n").first)
        #expect(error.position == SourcePosition(file: "test.yaml", line: 4, column: 10))
        #expect(error.keyPath == "probe.count")
        #expect(error.message == "expected an integer, found string 'zero'")
    }
}

enum ManifestErrorsCatcher {
    static func errors(in text: String) -> [ManifestError] {
        do {
            _ = try ManifestDecoder(registry: testRegistry).decode(text, file: "test.yaml")
            return []
        } catch {
            return error.errors
        }
    }
}
