import Foundation
import TestSupport
import Testing

/// `reconcile plan --base REF --head REF` on real git commit pairs: each kind of change a
/// pull request makes to the desired state comes out as the resource, its fields old → new
/// and the head side's file:line; exit 0 unchanged, 2 changed, 1 error.
@Suite struct PlanCommandTests {
    static let manifest = "manifests/production.yaml"
    static let stack: String = {
        (try? String(contentsOfFile: TestPaths.fixture("consistency/passes/consistent/\(manifest)"), encoding: .utf8)) ?? ""
    }()

    static func edited(_ replacements: [(String, String)]) throws -> String {
        var text = stack
        for (old, new) in replacements {
            let range = try #require(text.range(of: old), "\(old) is not in the fixture")
            text.replaceSubrange(range, with: new)
        }
        return text
    }

    /// A repository whose base commit holds the stack and whose head commit holds `head`.
    /// Every pair's JSON plan is also validated against the published plan schema, so
    /// each kind of change proves the schema and the output agree.
    static func plan(
        base: String = stack, head files: [String: String?], format: String = "text", extra: [String] = []
    ) async throws -> CommandResult {
        let repo = try await pullRequestRepository(base: [manifest: base], head: files)
        let arguments = ["plan", "--repo", repo.path, "--base", "base", "--head", "HEAD"] + extra
        let json = try await reconcile(arguments + ["--format", "json"])
        if json.status != 1 { #expect(try PlanSchemaTests.problem(json) == nil) }
        return format == "json" ? json : try await reconcile(arguments + ["--format", format])
    }

    @Test func anUnchangedDesiredStateExitsZero() async throws {
        let result = try await Self.plan(head: ["README.md": "docs only\n"])
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(result.stdout.hasSuffix("No changes to the desired state.\n"))
    }

    @Test func aRouteRootChangeIsTheFieldOldToNewAtTheHeadLine() async throws {
        let head = try Self.edited([("root: /srv/rims/media }", "root: /srv/rims/uploads }")])
        let result = try await Self.plan(head: [Self.manifest: head])
        #expect(result.status == 2, "\(result.allOutput)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.dropFirst().first == "~ caddy route rims.example.com /media/*  manifests/production.yaml:13")
        #expect(lines.contains("    root: /srv/rims/media → /srv/rims/uploads"))
        #expect(lines.last == "1 change: 0 added, 1 changed, 0 removed")
    }

    @Test func anUpstreamAddedListsBothUpstreams() async throws {
        let head = try Self.edited([
            (
                "- path: /api/*\n          reverse_proxy: [\"127.0.0.1:8000\"]",
                "- path: /api/*\n          reverse_proxy: [\"127.0.0.1:8000\", \"127.0.0.1:8001\"]"
            )
        ])
        let result = try await Self.plan(head: [Self.manifest: head])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(result.stdout.contains("~ caddy route rims.example.com /api/*  manifests/production.yaml:11\n"))
        #expect(result.stdout.contains("    upstreams: 127.0.0.1:8000 → 127.0.0.1:8000, 127.0.0.1:8001\n"))
    }

    @Test func aRemovedRouteIsListedWithItsBaseSideFields() async throws {
        let head = try Self.edited([("        - path: /*\n          file_server: { root: /srv/rims/frontend }\n", "")])
        let result = try await Self.plan(head: [Self.manifest: head], format: "json")
        #expect(result.status == 2, "\(result.allOutput)")
        let report = try result.json()
        #expect(report["version"] as? Int == 1)
        #expect(report["changed"] as? Bool == true)
        let changes = try #require(report["changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect(changes.first?["change"] as? String == "removed")
        #expect(changes.first?["kind"] as? String == "route")
        #expect(changes.first?["resource"] as? String == "/*")
        let fields = try #require(changes.first?["fields"] as? [[String: Any]])
        #expect(fields.contains { $0["name"] as? String == "root" && $0["old"] as? String == "/srv/rims/frontend" })
        let base = try #require(report["base"] as? [String: Any])
        #expect(base["ref"] as? String == "base")
    }

    @Test func aContainerMountChangeAndASettingChangeAreTwoResources() async throws {
        let head = try Self.edited([
            ("target: /app/media }", "target: /app/uploads }"), ("MEDIA_ROOT: /app/media", "MEDIA_ROOT: /app/uploads"),
        ])
        let result = try await Self.plan(head: [Self.manifest: head])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(result.stdout.contains("~ docker container backend  manifests/production.yaml:20\n"))
        #expect(
            result.stdout.contains(
                "    mounts: /srv/rims/static:/app/static, media_data:/app/media → /srv/rims/static:/app/static, media_data:/app/uploads\n")
        )
        #expect(
            result.stdout.contains(
                "~ django setting MEDIA_ROOT  manifests/production.yaml:31\n    value: \"/app/media\" → \"/app/uploads\"\n"))
    }

    /// A value the manifest gives a container variable is part of the plan: changing
    /// DJANGO_DEBUG used to plan as "No changes". A value under a secret-looking name
    /// shows as a fingerprint that differs when the value does, never as the value.
    @Test func anEnvironmentValueChangeIsPlannedAndASecretOneWithoutItsValue() async throws {
        let mounts = "        - { source: /srv/rims/static, target: /app/static }\n"
        let base = "\(mounts)      environment: { DJANGO_DEBUG: \"0\", DB_PASSWORD: hunter2-base, TZ: UTC }\n"
        let head = "\(mounts)      environment: { DJANGO_DEBUG: \"1\", DB_PASSWORD: hunter2-head, TZ: UTC }\n"
        let result = try await Self.plan(base: try Self.edited([(mounts, base)]), head: [Self.manifest: try Self.edited([(mounts, head)])])
        #expect(result.status == 2, "\(result.allOutput)")
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("    environment: ") }, "\(result.stdout)")
        let sides = line.dropFirst("    environment: ".count).components(separatedBy: " → ")
        #expect(sides.count == 2, "\(line)")
        #expect(sides.first?.hasPrefix("DB_PASSWORD=(secret ") == true && sides.first?.hasSuffix("), DJANGO_DEBUG=0, TZ=UTC") == true)
        #expect(sides.last?.hasPrefix("DB_PASSWORD=(secret ") == true && sides.last?.hasSuffix("), DJANGO_DEBUG=1, TZ=UTC") == true)
        #expect(sides.first?.prefix(while: { $0 != "," }) != sides.last?.prefix(while: { $0 != "," }), "\(line)")
        #expect(!result.allOutput.contains("hunter2"))

        let secretOnly = try await Self.plan(
            base: try Self.edited([(mounts, base)]),
            head: [Self.manifest: try Self.edited([(mounts, base.replacingOccurrences(of: "hunter2-base", with: "hunter2-next"))])],
            format: "json")
        #expect(secretOnly.status == 2, "\(secretOnly.allOutput)")
        #expect(!secretOnly.allOutput.contains("hunter2"))
    }

    /// Every key of every section is part of the plan: what a checker does not describe
    /// as resources is planned by its values. Each of these edits alone planned as "No
    /// changes" before (found by exploratory review).
    @Test(arguments: [
        ("  - { port: 443, process: caddy }", "  - { port: 8443, process: caddy }", "~ host key listen", "[0].port: 443 → 8443"),
        (
            "absent: [nginx, apache2, httpd]", "absent: [apache2, httpd]", "~ host key processes",
            "absent: [nginx, apache2, httpd] → [apache2, httpd]"
        ),
        ("  caddy: true\n", "  caddy: false\n", "~ apply key caddy", "value: true → false"),
        (
            "docker: [start, volumes]", "docker: [start, volumes, recreate]", "~ apply key docker",
            "value: [start, volumes] → [start, volumes, recreate]"
        ),
        ("  rollback: true\n", "  rollback: false\n", "~ apply key rollback", "value: true → false"),
        ("env: { DJANGO_DEBUG: \"0\" }", "env: { DJANGO_DEBUG: \"1\" }", "~ django key runner", "container.env.DJANGO_DEBUG: 0 → 1"),
        ("  timeout_ms: 20000\n", "  timeout_ms: 30000\n", "~ django key timeout_ms", "value: 20000 → 30000"),
        (
            "endpoint: tcp://127.0.0.1:2375", "endpoint: tcp://10.0.0.9:2375", "~ docker key endpoint",
            "value: tcp://127.0.0.1:2375 → tcp://10.0.0.9:2375"
        ),
        ("  unmanaged_routes: report\n", "  unmanaged_routes: ignore\n", "~ caddy key unmanaged_routes", "value: report → ignore"),
        ("    follow_redirects: false\n", "    follow_redirects: true\n", "~ health health api", "follow_redirects: false → true"),
        ("    retries: 1\n", "    retries: 3\n", "~ health health api", "retries: 1 → 3"),
        (
            "    url_env: RECONCILE_OPS_HOOK\n", "    url_env: RECONCILE_OTHER_HOOK\n", "~ notify key notify",
            "[0].url_env: RECONCILE_OPS_HOOK → RECONCILE_OTHER_HOOK"
        ),
    ])
    func everyKeyOfEverySectionIsPlanned(_ edit: (old: String, new: String, resource: String, field: String)) async throws {
        let base = try Self.everySection()
        let range = try #require(base.range(of: edit.old), "\(edit.old) is not in the manifest")
        let result = try await Self.plan(base: base, head: [Self.manifest: base.replacingCharacters(in: range, with: edit.new)])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(result.stdout.contains(edit.resource + "  manifests/production.yaml:"), "\(result.stdout)")
        #expect(result.stdout.contains("    \(edit.field)\n"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("1 change: 0 added, 1 changed, 0 removed\n"), "\(result.stdout)")
    }

    /// Tests/Fixtures/manifests/valid/every-section.yaml with a health check, apply: and notify:.
    static func everySection() throws -> String {
        try String(contentsOfFile: TestPaths.fixture("manifests/valid/every-section.yaml"), encoding: .utf8) + """
            health:
              - name: api
                url: http://127.0.0.1:8000/api/health/
                follow_redirects: false
                retries: 1
                expect: { status: 200 }
            apply:
              caddy: true
              docker: [start, volumes]
              rollback: true
            notify:
              - name: ops
                url_env: RECONCILE_OPS_HOOK

            """
    }

    /// A file the committed Caddyfile imports is planned as its own resource, by digest.
    @Test func anEditOfAFileTheCaddyfileImportsIsPlanned() async throws {
        let manifest = """
            apiVersion: reconcile/v1
            kind: Environment
            caddy: { admin: http://127.0.0.1:2019, caddyfile: deploy/Caddyfile }

            """
        let caddyfile = ":8080 {\n\timport sites/*.caddy\n}\n"
        let site = "handle /api/* {\n\treverse_proxy 127.0.0.1:8000\n}\n"
        let repo = try await pullRequestRepository(
            base: [Self.manifest: manifest, "deploy/Caddyfile": caddyfile, "deploy/sites/api.caddy": site],
            head: ["deploy/sites/api.caddy": site.replacingOccurrences(of: "8000", with: "9000")])
        let result = try await reconcile(["plan", "--repo", repo.path, "--base", "HEAD~1", "--head", "HEAD"])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(result.stdout.contains("~ caddy caddyfile deploy/sites/api.caddy  manifests/production.yaml:"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("1 change: 0 added, 1 changed, 0 removed\n"), "\(result.stdout)")
    }

    /// Two routes of one site: GET answered first, everything else refused.
    static func routes(_ order: [Int]) throws -> String {
        let routes = [
            "        - path: /*\n          match: { method: [GET] }\n          respond: { status: 200, body: get }\n",
            "        - path: /*\n          respond: { status: 403 }\n",
        ]
        return try edited([
            ("        - path: /*\n          file_server: { root: /srv/rims/frontend }\n", order.map { routes[$0] }.joined())
        ])
    }

    @Test func swappingTwoRoutesOfASiteIsAMoveInEveryFormat() async throws {
        // The catch-all 403 now answers GET too: no field changed, the order did.
        let base = try Self.routes([0, 1])
        let head = try Self.routes([1, 0])
        let text = try await Self.plan(base: base, head: [Self.manifest: head])
        #expect(text.status == 2, "\(text.allOutput)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.dropFirst().first == "~ caddy route rims.example.com /*  manifests/production.yaml:16")
        #expect(lines.contains("    order: 5 of 5 → 4 of 5"))
        #expect(lines.last == "1 change: 0 added, 1 changed, 0 removed")
        let json = try await Self.plan(base: base, head: [Self.manifest: head], format: "json")
        let change = try #require((try json.json()["changes"] as? [[String: Any]])?.first)
        #expect(change["change"] as? String == "changed")
        #expect(change["fields"] as? [[String: String]] == [["name": "order", "old": "5 of 5", "new": "4 of 5"]])
        let markdown = try await Self.plan(base: base, head: [Self.manifest: head], format: "markdown")
        #expect(markdown.stdout.contains("| order | 5 of 5 | 4 of 5 |"), "\(markdown.stdout)")
        let github = try await Self.plan(base: base, head: [Self.manifest: head], format: "github")
        #expect(github.stdout.contains("changed caddy route rims.example.com /*%0Aorder: 5 of 5 → 4 of 5\n"), "\(github.stdout)")
        let sarif = try await Self.plan(base: base, head: [Self.manifest: head], format: "sarif")
        #expect(sarif.stdout.contains("order: 5 of 5 → 4 of 5"))
        let junit = try await Self.plan(base: base, head: [Self.manifest: head], format: "junit")
        #expect(junit.stdout.contains("<testcase name=\"route rims.example.com /*\" classname=\"reconcile.caddy\""))
    }

    @Test func aRouteInsertedAboveTheOthersMovesNone() async throws {
        let head = try Self.edited([("      routes:\n", "      routes:\n        - path: /new/*\n          respond: { status: 404 }\n")])
        let result = try await Self.plan(head: [Self.manifest: head])
        #expect(result.status == 2, "\(result.allOutput)")
        #expect(!result.stdout.contains("order:"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("1 change: 1 added, 0 changed, 0 removed\n"))
    }

    @Test func aRenamedManifestIsARenameNotARemovalAndAnAddition() async throws {
        let result = try await Self.plan(head: [Self.manifest: nil, "manifests/prod.yaml": Self.stack])
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(result.stdout.contains("manifest manifests/production.yaml → manifests/prod.yaml: renamed (production)\n"))
        let changed = try await Self.plan(
            head: [Self.manifest: nil, "manifests/prod.yaml": try Self.edited([("DEBUG: false", "DEBUG: true")])])
        #expect(changed.status == 2)
        #expect(changed.stdout.contains("~ django setting DEBUG  manifests/prod.yaml:30\n    value: false → true\n"))
    }

    @Test func anAddedManifestAddsEveryResource() async throws {
        let other = Self.stack.replacingOccurrences(of: "name: production", with: "name: staging")
        let result = try await Self.plan(head: ["manifests/staging.yaml": other], format: "json")
        #expect(result.status == 2)
        let report = try result.json()
        let manifests = try #require(report["manifests"] as? [[String: Any]])
        #expect(manifests.contains { $0["kind"] as? String == "added" && $0["head"] as? String == "manifests/staging.yaml" })
        let changes = try #require(report["changes"] as? [[String: Any]])
        #expect(changes.nonEmptyAllSatisfy { $0["change"] as? String == "added" && $0["environment"] as? String == "staging" })
    }

    @Test func aHeadThatDoesNotDecodeIsAnError() async throws {
        let result = try await Self.plan(head: [Self.manifest: Self.stack + "bogus: 1\n"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("manifests/production.yaml:46:1: bogus: unknown key 'bogus'"), "\(result.stderr)")
    }

    @Test func markdownHasASummaryTableAndCollapsibleDetails() async throws {
        let head = try Self.edited([("root: /srv/rims/media }", "root: /srv/rims/up|loads }")])
        let result = try await Self.plan(head: [Self.manifest: head], format: "markdown")
        #expect(result.status == 2)
        #expect(result.stdout.contains("| ~ | caddy | route rims.example.com /media/\\* | manifests/production.yaml:13 |\n"))
        #expect(result.stdout.contains("<details><summary>~ caddy route rims.example.com /media/\\*</summary>"))
        #expect(result.stdout.contains("| root | /srv/rims/media | /srv/rims/up\\|loads |"))
    }

    @Test func markdownIsCutBelowGitHubsLimitWithANote() async throws {
        // 400 routes, each with a long upstream list: far more than 65,000 characters.
        let routes = (0..<400).map { index in
            "        - path: /r\(index)/*\n          reverse_proxy: [\(( 0..<6).map { "\"upstream-\(index)-\($0).internal.example.com:8000\"" }.joined(separator: ", "))]\n"
        }.joined()
        let head = try Self.edited([("      routes:\n", "      routes:\n" + routes)])
        let result = try await Self.plan(head: [Self.manifest: head], format: "markdown")
        #expect(result.status == 2)
        #expect(result.stdout.count < 65_000)
        #expect(result.stdout.count > 60_000)
        #expect(result.stdout.contains("> **Cut here** to stay below GitHub's 65,536 characters: "))
        #expect(result.stdout.contains(" of 400 changes are not detailed."))
        let text = try await Self.plan(head: [Self.manifest: head])
        #expect(text.stdout.contains("+ caddy route rims.example.com /r399/*"))
    }

    @Test func githubFormatIsANoticePerChangedResource() async throws {
        let head = try Self.edited([("DEBUG: false", "DEBUG: true")])
        let result = try await Self.plan(head: [Self.manifest: head], format: "github")
        #expect(result.status == 2)
        #expect(
            result.stdout
                == "::notice file=manifests/production.yaml,line=30,col=5,title=reconcile plan::changed django setting DEBUG%0Avalue: false → true\n"
        )
    }
}
