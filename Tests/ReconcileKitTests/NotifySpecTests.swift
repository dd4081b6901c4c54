import Foundation
import ReconcileKit
import Testing

/// The manifest's `notify:` list: decoded with its defaults, and every mistake reported
/// with its position and key like any other section.
@Suite struct NotifySpecTests {
    static let header = "apiVersion: reconcile/v1\nkind: Environment\n"

    @Test func targetsDecodeWithTheirDefaults() throws {
        let manifest = try decode(
            """
            notify:
              - name: ops
                url_env: OPS_WEBHOOK
              - name: chat
                url_file: /etc/reconcile/slack-url
                format: slack
                on: [drift, resolved]
            """)
        #expect(manifest.notify.map(\.name) == ["ops", "chat"])
        #expect(manifest.notify[0].url == .environment("OPS_WEBHOOK"))
        #expect(manifest.notify[0].format == .json)
        #expect(manifest.notify[0].on == Set(TransitionKind.allCases))
        #expect(manifest.notify[1].url == .file("/etc/reconcile/slack-url"))
        #expect(manifest.notify[1].format == .slack)
        #expect(manifest.notify[1].on == [.drift, .resolved])
    }

    @Test(
        "a broken notify entry gives exactly these errors",
        arguments: [
            (
                "notify:\n  - name: a\n    url_env: A\n    url_file: /a\n",
                ["test.yaml:4:5: notify[0]: give either url_env or url_file, not both"]
            ),
            ("notify:\n  - name: a\n", ["test.yaml:4:5: notify[0]: give url_env or url_file: where the webhook URL comes from"]),
            (
                "notify:\n  - name: a\n    url_env: A\n    on: [drfit]\n",
                ["test.yaml:6:10: notify[0].on[0]: 'drfit' is not one of drift, resolved, unknown, apply, stale; did you mean 'drift'?"]
            ),
            (
                "notify:\n  - name: a\n    url_env: A\n  - name: a\n    url_env: B\n",
                ["test.yaml:6:5: notify[1]: duplicate notify name 'a' (first at line 4)"]
            ),
            (
                "notify:\n  - name: a\n    url: https://hooks.example/T0\n",
                [
                    "test.yaml:4:5: notify[0]: give url_env or url_file: where the webhook URL comes from",
                    "test.yaml:5:5: notify[0].url: unknown key 'url' (allowed: name, url_env, url_file, format, on)",
                ]
            ),
        ] as [(String, [String])])
    func brokenEntries(_ body: String, _ expected: [String]) {
        #expect(errorLines(Self.header + body) == expected)
    }
}
