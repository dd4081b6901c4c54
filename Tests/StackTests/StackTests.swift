import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `reconcile` against the example production stack running for real
/// (`scripts/demo up`): the committed state is in sync; drift injected at each layer,
/// one at a time (`scripts/demo break …`, undone by `scripts/demo restore`), is caught
/// by the checker that owns that layer, with that layer's fix, and by nothing else.
///
/// One stack for the whole suite, so its tests run one at a time; each drift test
/// restores the stack and proves it is back in sync before the next one starts.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct StackTests {
    /// The number of checks the example manifest declares (health 3, caddy 3, docker 2,
    /// django 6, media 5).
    static let checks = 20

    // MARK: The matching state

    @Test func theCommittedStateIsInSyncWithEveryCheckerOK() async throws {
        let stack = try await offPool { try DemoStack.shared.details() }
        let run = try await reconcileStack(stack)
        #expect(run.status == 0, "\(run.output)")
        let report = try run.report()
        #expect(report.mode == "dry-run")
        #expect(report.summary == .init(ok: Self.checks, drift: 0, unknown: 0), "\(report.keys("drift")) \(report.keys("unknown"))")
        #expect(report.findings.count == Self.checks)
        #expect(Set(report.findings.map(\.checker)) == ["health", "caddy", "docker", "django", "media"])
        #expect(try report.finding("media", "media: live").observed == "200, same bytes")

        let text = try await reconcileStack(stack, [])
        #expect(text.status == 0)
        #expect(text.result.stdout.hasSuffix("20 checks: 0 drift, 0 unknown, 20 ok (in sync)\n"), "\(text.output)")
        #expect(!text.output.contains(try stack["RECONCILE_HEALTH_TOKEN"]))
    }

    // MARK: Drift at each layer

    @Test func caddyServingMediaFromAnotherRootIsCaughtByCaddyAndTheMediaChain() async throws {
        try await withDrift("caddy-root") { stack, report in
            let media = try stack["MEDIA"]
            #expect(report.keys("drift") == ["caddy /media/*", "media media: caddy route", "media media: live"])
            #expect(report.keys("unknown") == [])

            let route = try report.finding("caddy", "/media/*")
            #expect(route.observed?.contains("not-the-volume") == true, "\(route)")
            #expect(route.fix?.language == "caddyfile")
            #expect(route.fix?.snippet?.contains("handle_path /media/* {\n\troot * \(media)\n") == true, "\(route)")

            let link = try report.finding("media", "media: caddy route")
            #expect(link.message.contains("404"))
            #expect(link.fix?.snippet == "root * \(media)")
            #expect(link.fix?.language == "caddyfile")

            let live = try report.finding("media", "media: live")
            #expect(live.observed == "status 404")
        }
    }

    @Test func theVolumeMountedAtAnotherTargetIsCaughtByDockerAndTheMediaChain() async throws {
        try await withDrift("mount") { stack, report in
            #expect(report.keys("drift") == ["docker backend", "media media: mount"])
            #expect(report.keys("unknown") == [])

            let container = try report.finding("docker", "backend")
            #expect(container.expected == "media_data:/app/media")
            #expect(container.message.contains("/app/media"))
            #expect(container.fix?.language == "shell")
            #expect(container.fix?.snippet?.contains("-v media_data:/app/media") == true, "\(container)")

            let link = try report.finding("media", "media: mount")
            #expect(link.observed == "nothing mounted at /app/media")
            // The stack has no compose: the same docker run recreate as the Docker finding's.
            #expect(link.fix?.language == "shell")
            #expect(link.fix?.snippet?.contains("-v media_data:/app/media") == true, "\(link)")
            #expect(link.fix.map { !"\($0.summary)\($0.snippet ?? "")".contains("compose") } == true, "\(link)")
            // The files are still where Caddy looks: only the write side is broken.
            #expect(try report.finding("media", "media: live").status == "ok")
        }
    }

    @Test func aDifferentMediaRootIsCaughtByDjangoAndTheMediaChain() async throws {
        try await withDrift("media-root") { stack, report in
            #expect(report.keys("drift") == ["django MEDIA_ROOT", "media media: MEDIA_ROOT"])
            #expect(report.keys("unknown") == [])

            let setting = try report.finding("django", "MEDIA_ROOT")
            #expect(setting.observed == "\"/app/elsewhere\"")
            #expect(setting.expected == "\"/app/media\"")
            #expect(setting.fix?.snippet == "DJANGO_MEDIA_ROOT=/app/media", "\(setting)")
            #expect(setting.fix?.summary.contains("rims_backend/settings.py") == true)

            let link = try report.finding("media", "media: MEDIA_ROOT")
            #expect(link.observed == "/app/elsewhere")
            #expect(link.fix?.snippet == "MEDIA_ROOT = \"/app/media\"")
            #expect(link.fix?.language == "python")
        }
    }

    @Test func debugOnIsCaughtByDjango() async throws {
        try await withDrift("debug") { stack, report in
            // DEBUG itself; what it switches on (static() media routing, deploy check
            // W018); and the chain's "Django serves media" link.
            #expect(
                report.keys("drift") == [
                    "django DEBUG", "django media_served_by_django", "django security.W018", "docker backend",
                    "media media: served by Django",
                ])
            #expect(report.keys("unknown") == [])
            // The manifest gives the container's DJANGO_DEBUG, so Docker sees the cause.
            #expect(try report.finding("docker", "backend").observed == #"DJANGO_DEBUG="1""#)

            let debug = try report.finding("django", "DEBUG")
            #expect(debug.observed == "true")
            #expect(debug.severity == "critical")
            // The fix sets the variable settings.py reads to the manifest's own value, so
            // following it makes no docker drift.
            #expect(debug.fix?.snippet == "DJANGO_DEBUG=0", "\(debug)")
            #expect(debug.fix?.summary.contains("$DJANGO_DEBUG") == true)
            // urls.py guards static() already: the route is there only because DEBUG is on.
            let media = try report.finding("django", "media_served_by_django")
            #expect(media.fix?.snippet == "DJANGO_DEBUG=0", "\(media)")
            #expect(media.fix?.summary.contains("unconditional") == false, "\(media)")
        }
    }

    /// The last act of the demo: `reconcile` recreates the backend with the manifest's
    /// `DJANGO_DEBUG: "0"`, verified by every checker (health through Caddy, the media
    /// chain), and Django, introspected inside the new container, reports DEBUG false.
    @Test func debugOnIsFixedByRecreatingTheBackendWithTheManifestsEnvironment() async throws {
        let stack = try await offPool { try DemoStack.shared.details() }
        try await offPool { try DemoStack.shared.inject("debug") }
        defer { _ = try? DemoStack.shared.restore() }
        let journal = try TemporaryDirectory(prefix: "reconcile-stack-journal")
        let applied = try await reconcileStack(
            stack, ["--format", "json", "--journal", journal.file("journal.jsonl")], dryRun: false)
        #expect(applied.status == 0, "\(applied.output)")
        let report = try applied.report()
        #expect(report.actionLines == ["applied docker recreate backend"], "\(applied.output)")
        #expect(try report.finding("django", "DEBUG").observed == "false")
        #expect(report.summary == .init(ok: Self.checks, drift: 0, unknown: 0), "\(report.keys("drift"))")
        let lines = try String(contentsOfFile: journal.file("journal.jsonl"), encoding: .utf8)
        #expect(lines.contains(#"DJANGO_DEBUG=\"0\""#) && lines.contains(#""result":"applied""#), "\(lines)")
        #expect(!lines.contains(try stack["SECRET_KEY"]))

        let after = try await reconcileStack(stack)
        #expect(after.status == 0, "\(after.output)")
        #expect(try after.report().finding("django", "DEBUG").observed == "false")
    }

    @Test func aStoppedContainerIsCaughtByDockerAndTheHealthURLsAnswer502() async throws {
        try await withDrift("stop") { stack, report in
            #expect(
                report.keys("drift") == [
                    "docker backend", "health api", "health api-auth", "health api-auth-rejects-anonymous",
                ])
            // Django's settings can only be read in a running container: unknown, never ok.
            #expect(
                report.keys("unknown") == [
                    "django rims_backend.settings", "media media: MEDIA_ROOT", "media media: served by Django",
                ])

            let container = try report.finding("docker", "backend")
            #expect(container.observed?.hasPrefix("exited") == true, "\(container)")
            #expect(container.severity == "critical")
            #expect(container.fix?.snippet?.contains("docker start backend") == true, "\(container)")

            let health = try report.finding("health", "api")
            #expect(health.observed?.hasPrefix("status 502") == true, "\(health)")
            #expect(health.fix?.summary.contains("upstream") == true)
            #expect(try report.finding("django", "rims_backend.settings").fix?.summary.contains("docker start") == true)
        }
    }

    @Test func aWrongHealthTokenIsCaughtByHealthWithTheTokenFixAndNeverPrinted() async throws {
        let stack = try await offPool { try DemoStack.shared.details() }
        let wrong = "wrong-token-9d41c7e2b8"
        let run = try await reconcileStack(stack, token: wrong)
        #expect(run.status == 2, "\(run.output)")
        let report = try run.report()
        #expect(report.keys("drift") == ["health api-auth"])
        #expect(report.keys("unknown") == [])
        let auth = try report.finding("health", "api-auth")
        #expect(auth.observed?.hasPrefix("status 401") == true, "\(auth)")
        #expect(auth.fix?.summary.contains("rejected the configured token") == true, "\(auth)")
        #expect(auth.fix?.summary.contains("$RECONCILE_HEALTH_TOKEN") == true)
        #expect(try report.finding("health", "api-auth-rejects-anonymous").status == "ok")

        let text = try await reconcileStack(stack, [], token: wrong)
        #expect(text.status == 2)
        for output in [run.output, text.output] {
            #expect(!output.contains(wrong), "the token leaked")
            #expect(!output.contains(try stack["RECONCILE_HEALTH_TOKEN"]), "the real token leaked")
        }
    }

    // MARK: The demo's agent step

    /// `scripts/demo`'s agent step shows the first run's verdict, not the 503 of "no run
    /// yet" (`{"status":"pending"}`) that answers before it.
    @Test func theDemosAgentStepPrintsTheFirstRunsDrift() async throws {
        _ = try await offPool { try DemoStack.shared.details() }
        try await offPool { try DemoStack.shared.inject("caddy-root") }
        defer { try? DemoStack.shared.restore() }
        let served = try await offPool { try DemoStack.shared.serve() }
        #expect(served.status == 0, "\(served.stderr)")
        #expect(served.stderr.contains(#""status":"drift""#), "\(served.stderr)")
        #expect(served.stderr.contains("(HTTP 503)"), "\(served.stderr)")
        #expect(!served.stderr.contains("pending"), "\(served.stderr)")
    }

    // MARK: Teardown (last, so the suite leaves nothing running)

    @Test func downStopsEverythingUpStarted() async throws {
        _ = try await offPool { try DemoStack.shared.details() }
        let stopped = try await offPool { try DemoStack.shared.tearDown() }
        let (directory, stack) = try #require(stopped)
        #expect(!FileManager.default.fileExists(atPath: directory), "the state directory is left")
        for key in ["CADDY_PORT", "CADDY_ADMIN_PORT", "BACKEND_PORT"] {
            let port = try #require(Int(try stack[key]))
            try await offPool { try waitUntil(timeout: .seconds(5), "\(key) \(port) to close") { !isListening(port: port) } }
        }
        // Caddy, the Podman service, the container's and the exec sessions' conmons: no
        // process still names the stack's directory, once those signalled have exited.
        try? await offPool {
            try waitUntil(timeout: .seconds(10), "the stack's processes to exit") { processes(mentioning: directory + "/").isEmpty }
        }
        #expect(processes(mentioning: directory + "/") == [])
    }

    /// The pids of the processes whose command line contains `text`.
    func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(text)
        }
    }

    // MARK: Helpers

    /// Injects one drift, runs reconcile (JSON) and hands the report to `body`; then
    /// restores the stack, whether `body` threw or not, and proves it is in sync again.
    func withDrift(
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (DemoStack.Details, Report) throws -> Void
    ) async throws {
        let stack = try await offPool { try DemoStack.shared.details() }
        try await offPool { try DemoStack.shared.inject(what) }
        do {
            let run = try await reconcileStack(stack)
            #expect(run.status == 2, "\(what): \(run.output)", sourceLocation: sourceLocation)
            #expect(!run.output.contains(try stack["RECONCILE_HEALTH_TOKEN"]), sourceLocation: sourceLocation)
            try body(stack, try run.report())
        } catch {
            try? await offPool { try DemoStack.shared.restore() }
            throw error
        }
        try await offPool { try DemoStack.shared.restore() }
        let after = try await reconcileStack(stack)
        #expect(after.status == 0, "not in sync after restoring \(what): \(after.output)", sourceLocation: sourceLocation)
    }
}

/// `reconcile serve` on the demo stack with drift injected, looked at by a real headless
/// Chromium: the DOM has the drift rows and the red, labelled link in the picture; the
/// screenshot is kept as a test artifact (.build/artifacts/status-page.png) for people.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct StatusPageTests {
    @Test func theStatusPageShowsTheDriftRowsAndTheRedLinkInHeadlessChromium() async throws {
        let stack = try await offPool { try DemoStack.shared.details() }
        try await offPool { try DemoStack.shared.inject("caddy-root") }
        defer { try? DemoStack.shared.restore() }
        let scratch = try TemporaryDirectory(prefix: "reconcile-page")
        try scratch.write("token", "page-token\n")
        let agent = try await offPool {
            try ServeAgentProcess(
                ["--dry-run", "--repo", try stack["CONFIG_REPO"]] + stack.reconcileVars + [
                    "--interval", "3600", "--state-dir", scratch.file("state"), "--token-file", scratch.file("token"),
                ],
                environment: [
                    "RECONCILE_HEALTH_TOKEN": try stack["RECONCILE_HEALTH_TOKEN"],
                    "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
                    "XDG_CACHE_HOME": NSTemporaryDirectory() + "reconcile-stack-cache",
                ])
        }
        // 503 also means "no run yet": wait for the first run's drift, so the page shows it.
        try await offPool {
            try waitUntil(timeout: .seconds(60), "the first run's drift") {
                guard let health = try? agent.request("/healthz") else { return false }
                return health.status == 503 && health.body.contains(#""drift""#)
            }
        }

        let artifacts = TestPaths.repositoryRoot + "/.build/artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts + "/status-page.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        let browser = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(scratch.file("chromium"))",
        ]
        let shot = try await offPool {
            try run("chromium", browser + ["--screenshot=\(screenshot)", "--window-size=1280,1500", agent.baseURL + "/"])
        }
        #expect(shot.status == 0, "\(shot.stderr)")
        #expect(FileManager.default.fileExists(atPath: screenshot))
        let dom = try await offPool { try run("chromium", browser + ["--dump-dom", agent.baseURL + "/"]) }.stdout
        #expect(dom.contains("<h1>"), "\(dom.prefix(500))")
        #expect(dom.contains(": drift</h1>"))
        // The drift rows: the Caddy route and the media chain's links, before any ok row.
        let rows = dom.components(separatedBy: "<tr class=\"finding ").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(rows.prefix(3) == ["drift", "drift", "drift"], "\(rows)")
        #expect(dom.contains("<td class=\"resource\">/media/*</td>"))
        #expect(dom.contains("<td class=\"resource\">media: caddy route</td>"))
        // The picture: the Caddy route → host path link is red and labelled with what Caddy serves.
        let link = try #require(dom.range(of: "<g class=\"link drift\" data-link=\"media: caddy route\">"), "\(dom)")
        let group = dom[link.upperBound...].prefix { $0 != "\n" }
        #expect(group.contains("stroke=\"#d1242f\""))
        #expect(group.contains("class=\"link-label\""))
        #expect(group.contains("not-the-volume"))
        #expect(!dom.contains("<script"))
        try await Self.expectEveryLabelFitsItsBox(page: try agent.request("/").body, browser: browser, scratch: scratch)
        #expect(agent.terminate() == 0)
    }

    /// The page has no JavaScript, so labels are shortened on the server from estimated
    /// widths: here Chromium lays the page out and measures every label (`getBBox`), which
    /// must lie inside its node's box, or, for a link's label, inside its column. The
    /// measuring script is added to a copy of the page only.
    static func expectEveryLabelFitsItsBox(page: String, browser: [String], scratch: TemporaryDirectory) async throws {
        let measure = """
            <script>
            const problems = [];
            let measured = 0;
            for (const node of document.querySelectorAll("svg.stack g.node")) {
              const box = node.querySelector("rect").getBBox();
              for (const text of node.querySelectorAll("text")) {
                const b = text.getBBox();
                measured++;
                if (b.x < box.x || b.x + b.width > box.x + box.width) problems.push(`${text.textContent}: ${b.x + b.width} > ${box.x + box.width}`);
              }
            }
            for (const text of document.querySelectorAll("svg.stack text.link-label")) {
              const b = text.getBBox();
              measured++;
              if (b.x + b.width > Number(text.getAttribute("x")) + 188) problems.push(`${text.textContent}: ${b.width} wide`);
            }
            document.body.setAttribute("data-fit", JSON.stringify({measured, problems}));
            </script>
            """
        try scratch.write("measure.html", page.replacingOccurrences(of: "</body>", with: measure + "</body>"))
        let dom = try await offPool { try run("chromium", browser + ["--dump-dom", "file://" + scratch.file("measure.html")]) }.stdout
        let attribute = try #require(dom.range(of: "data-fit=\""), "\(dom.suffix(300))")
        let json = String(dom[attribute.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
        let fit = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
        #expect((fit["measured"] as? Int ?? 0) >= 20, "\(json)")
        #expect((fit["problems"] as? [String]) == [], "labels overflowing their box: \(json)")
    }
}
