import Foundation
import ReconcileKit
import TestSupport
import Testing

/// What a valid manifest decodes to: variables, overrides, escapes, optional sections
/// and typed values.
@Suite struct ManifestDecodingTests {
    @Test func variablesAreSubstitutedAnywhereInAString() async throws {
        let fields = try await probeFields(
            """
            vars:
              domain: rims.example.com
              port: 8443
            probe:
              url: https://${domain}:${port}/api/
              label: "${domain}"
              tags: ["${domain}", "static"]
              nested: { inner: "x-${port}-y" }
            """)
        #expect(fields["url"] == "https://rims.example.com:8443/api/")
        #expect(fields["label"] == "rims.example.com")
        #expect(fields["tags"] == "rims.example.com,static")
        #expect(fields["nested.inner"] == "x-8443-y")
    }

    @Test func aVarOverrideWinsOverVars() async throws {
        let overrides = ["domain": "staging.example.com"]
        let fields = try await probeFields(
            "vars:\n  domain: rims.example.com\nprobe:\n  url: https://${domain}/\n", overrides: overrides)
        #expect(fields["url"] == "https://staging.example.com/")
        let manifest = try decode("vars:\n  domain: rims.example.com\n", overrides: overrides)
        #expect(manifest.variables == ["domain": "staging.example.com"])
    }

    @Test func aVarOverrideCanDefineAVariableVarsDoesNot() async throws {
        let fields = try await probeFields("probe:\n  label: ${base}/x\n", overrides: ["base": "http://127.0.0.1:9"])
        #expect(fields["label"] == "http://127.0.0.1:9/x")
    }

    @Test func aVariableMayUseOthersWhateverTheirOrderAndOverridesApplyThrough() async throws {
        let text = "vars:\n  media: ${root}/media\n  root: /srv\n  literal: $${root}\nprobe:\n  label: ${media} ${literal}\n"
        #expect(try await probeFields(text)["label"] == "/srv/media ${root}")
        #expect(try await probeFields(text, overrides: ["root": "/data"])["label"] == "/data/media ${root}")
    }

    @Test func doubleDollarEscapesAVariableReference() async throws {
        let fields = try await probeFields(
            "vars:\n  v: value\nprobe:\n  label: \"literal $${v}, substituted ${v}, dollar $5\"\n")
        #expect(fields["label"] == "literal ${v}, substituted value, dollar $5")
    }

    @Test func anEscapedReferenceNeedsNoVariable() async throws {
        let fields = try await probeFields("probe:\n  label: \"$${undefined}\"\n")
        #expect(fields["label"] == "${undefined}")
    }

    @Test func everySectionIsOptional() throws {
        let manifest = try ManifestDecoder(registry: testRegistry).decode(
            "apiVersion: reconcile/v1\nkind: Environment\n", file: "manifests/staging.yaml")
        #expect(manifest.checks.isEmpty)
        #expect(manifest.name == "staging")
        #expect(manifest.file == "manifests/staging.yaml")
    }

    @Test func anExplicitNullSectionIsAbsent() throws {
        let manifest = try decode("probe:\nalpha: ~\n")
        #expect(manifest.checks.isEmpty)
    }

    @Test func theNameKeyWinsOverTheFileName() throws {
        #expect(try decode("name: production\n").name == "production")
    }

    @Test func eachSectionBecomesOnePlannedCheckAtItsPosition() throws {
        let manifest = try decode("probe:\n  label: a\nalpha:\n  script: x\n")
        #expect(manifest.checks.map(\.checker) == ["alpha", "probe"])
        #expect(manifest.checks.map(\.position.line) == [6, 4])
        #expect(manifest.checks.nonEmptyAllSatisfy { $0.position.file == "test.yaml" })
    }

    @Test func typedValuesKeepFalseAndTheStringFalseApart() async throws {
        let values = try await typedValues(
            """
            values:
              DEBUG: false
              QUOTED: "False"
              CAPITAL: False
              YES_WORD: yes
              ON_WORD: on
              COUNT: 3
              QUOTED_COUNT: "3"
              RATIO: 0.5
              NOTHING: ~
              HOSTS: ["a", 1, true]
              LOGGING: { level: INFO, console: true }
            """)
        #expect(values["DEBUG"] == .bool(false))
        #expect(values["QUOTED"] == .string("False"))
        #expect(values["DEBUG"] != values["QUOTED"])
        #expect(values["CAPITAL"] == .bool(false))
        #expect(values["YES_WORD"] == .string("yes"))
        #expect(values["ON_WORD"] == .string("on"))
        #expect(values["COUNT"] == .int(3))
        #expect(values["QUOTED_COUNT"] == .string("3"))
        #expect(values["RATIO"] == .double(0.5))
        #expect(values["NOTHING"] == .null)
        #expect(values["HOSTS"] == .list([.string("a"), .int(1), .bool(true)]))
        #expect(
            values["LOGGING"]
                == .map([.init(key: "level", value: .string("INFO")), .init(key: "console", value: .bool(true))]))
    }

    @Test func typedValuesSubstituteVariablesInStringsOnly() async throws {
        let values = try await typedValues("vars:\n  host: a.example\nvalues:\n  HOSTS: [\"${host}\"]\n")
        #expect(values["HOSTS"] == .list([.string("a.example")]))
    }

    @Test(
        "typed values render like JSON in findings",
        arguments: [
            (ManifestValue.bool(false), "false"), (.string("False"), "\"False\""), (.int(3), "3"), (.null, "null"),
            (.list([.string("a"), .int(1)]), "[\"a\", 1]"),
            (.map([.init(key: "k", value: .bool(true))]), "{\"k\": true}"),
        ])
    func valueDescription(_ value: ManifestValue, _ text: String) {
        #expect(value.description == text)
    }

    @Test(
        "did-you-mean suggests only plausible typos",
        arguments: [
            ("helth", ["health", "caddy"], "health"), ("retires", ["retries", "url"], "retries"),
            ("CADDY", ["caddy"], "caddy"), ("kubernetes", ["health", "caddy"], nil), ("x", ["health"], nil),
            ("timeout", ["timeout_ms", "retries"], "timeout_ms"), ("max_latency", ["status", "max_latency_ms"], "max_latency_ms"),
            ("time", ["timeout_ms"], nil), ("url", ["url_list"], nil),
        ] as [(String, [String], String?)])
    func suggestions(_ word: String, _ candidates: [String], _ expected: String?) {
        #expect(Suggestions.closest(to: word, among: candidates) == expected)
    }
}
