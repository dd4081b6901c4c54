import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

/// Reports: exit codes from statuses, worst-first order, the versioned JSON shape, the
/// text renderer (golden files), GitHub annotations and the atomic report file.
@Suite struct ReportTests {
    static let origin = SourceOrigin(
        repo: "/srv/config", ref: "origin/main", commit: "9f3c2a7b1d4e5f60718293a4b5c6d7e8f9012345", worktree: false)

    static func finding(_ status: Status, _ resource: String = "r", checker: String = "health") -> Finding {
        Finding(checker: checker, resource: resource, status: status, message: "\(status)")
    }

    /// A dry run's report of `findings` from `origin`.
    static func report(_ findings: [Finding], manifest: String = "manifests/") -> Report {
        Report(origin: origin, manifest: manifest, mode: .dryRun, findings: findings)
    }

    /// A realistic mixed report: each kind of finding the renderers must lay out.
    static let mixed: [Finding] = [
        Finding(
            checker: "health", resource: "api", status: .ok, expected: "status 200", observed: "status 200 in 12 ms",
            message: "200 in 12 ms", position: SourcePosition(file: "manifests/production.yaml", line: 54, column: 5)),
        Finding(
            checker: "health", resource: "api-auth", status: .drift, severity: .error, expected: "status 200",
            observed: "status 401 in 9 ms", message: "answered 401, expected 200",
            fix: Fix(
                summary: "The URL rejected the configured token (from $RECONCILE_HEALTH_TOKEN): it is missing, "
                    + "expired or for another environment. Issue a new token and update it."),
            position: SourcePosition(file: "manifests/production.yaml", line: 57, column: 5)),
        Finding(
            checker: "docker", resource: "backend", status: .unknown, severity: .error,
            message: "could not observe: connection refused on unix:///var/run/docker.sock"),
        Finding(
            checker: "caddy", resource: "/media/*", status: .drift, severity: .critical,
            expected: "file_server root /srv/rims/media", observed: "file_server root /srv/media",
            message: "serves media from the wrong directory",
            fix: Fix(
                summary: "Point the route at the media volume's host path.",
                snippet: "handle_path /media/* {\n\troot * /srv/rims/media\n\tfile_server\n}", language: "caddyfile"),
            position: SourcePosition(file: "manifests/production.yaml", line: 16, column: 11)),
        Finding(checker: "django", resource: "DEBUG", status: .ok, message: "False"),
    ]

    // MARK: Exit codes and order

    @Test(
        "the exit code follows the worst status",
        arguments: [
            ([], 0), ([.ok], 0), ([.ok, .ok], 0), ([.ok, .unknown], 3), ([.unknown], 3), ([.ok, .drift], 2),
            ([.unknown, .drift, .ok], 2), ([.drift], 2),
        ] as [([Status], Int32)])
    func exitCode(_ statuses: [Status], _ code: Int32) {
        let report = Self.report(statuses.map { Self.finding($0) })
        #expect(report.exitCode == code)
    }

    @Test func statusesCombineByWorstOf() {
        #expect(Status.worst(of: []) == .ok)
        #expect(Status.worst(of: [.ok, .unknown]) == .unknown)
        #expect(Status.worst(of: [.drift, .unknown, .ok]) == .drift)
        #expect(Severity.allCases.sorted() == [.info, .warning, .error, .critical])
    }

    @Test func findingsAreOrderedWorstFirstAndStableWithinAStatus() {
        let findings = [
            Self.finding(.ok, "a"), Self.finding(.drift, "b"), Self.finding(.unknown, "c"), Self.finding(.drift, "d"),
            Self.finding(.ok, "e"), Self.finding(.unknown, "f"),
        ]
        let report = Self.report(findings)
        #expect(report.findingsWorstFirst.map(\.resource) == ["b", "d", "c", "f", "a", "e"])
        #expect(report.findings.map(\.resource) == ["a", "b", "c", "d", "e", "f"], "the JSON keeps run order")
        #expect([report.summary.ok, report.summary.drift, report.summary.unknown] as [Int] == [2, 2, 2])
    }

    @Test func findingsDefaultTheirSeverityFromTheirStatus() {
        #expect(Self.finding(.ok).severity == .info)
        #expect(Self.finding(.drift).severity == .error)
        #expect(Self.finding(.unknown).severity == .error)
    }

    // MARK: JSON

    static func json(_ report: Report) throws -> [String: Any] {
        let data = Data(JSONReportRenderer.render(report).utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func jsonCarriesTheVersionedShapeOfDesign() throws {
        let report = Self.report(Self.mixed, manifest: "manifests/production.yaml")
        let object = try Self.json(report)
        #expect(object["version"] as? Int == 1)
        #expect(object["mode"] as? String == "dry-run")
        let source = try #require(object["source"] as? [String: Any])
        #expect(source["repo"] as? String == "/srv/config")
        #expect(source["ref"] as? String == "origin/main")
        #expect(source["commit"] as? String == "9f3c2a7b1d4e5f60718293a4b5c6d7e8f9012345")
        #expect(source["manifest"] as? String == "manifests/production.yaml")
        let summary = try #require(object["summary"] as? [String: Int])
        #expect(summary == ["ok": 2, "drift": 2, "unknown": 1])
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.count == 5)
        let caddy = findings[3]
        #expect(caddy["checker"] as? String == "caddy")
        #expect(caddy["resource"] as? String == "/media/*")
        #expect(caddy["status"] as? String == "drift")
        #expect(caddy["severity"] as? String == "critical")
        #expect(caddy["expected"] as? String == "file_server root /srv/rims/media")
        #expect(caddy["observed"] as? String == "file_server root /srv/media")
        #expect(caddy["message"] as? String == "serves media from the wrong directory")
        let fix = try #require(caddy["fix"] as? [String: Any])
        #expect(fix["summary"] as? String == "Point the route at the media volume's host path.")
        #expect(fix["snippet"] as? String == "handle_path /media/* {\n\troot * /srv/rims/media\n\tfile_server\n}")
        #expect(fix["language"] as? String == "caddyfile")
        let position = try #require(caddy["position"] as? [String: Any])
        #expect(position["file"] as? String == "manifests/production.yaml")
        #expect(position["line"] as? Int == 16)
        #expect(position["column"] as? Int == 11)
    }

    @Test func everyFindingCarriesEveryFieldEvenWhenEmpty() throws {
        // Consumers (jq, dashboards) index fields without probing for them: an absent
        // value is an explicit null, never a missing key.
        let report = Report(
            origin: SourceOrigin(repo: "/srv/config", ref: "worktree", commit: nil, worktree: true),
            manifest: "manifests/", mode: .dryRun,
            findings: [
                Finding(checker: "health", resource: "api", status: .ok, message: "fine"),
                Finding(checker: "health", resource: "web", status: .drift, message: "down", fix: Fix(summary: "start it")),
            ])
        let object = try Self.json(report)
        let source = try #require(object["source"] as? [String: Any])
        #expect(Set(source.keys).isSuperset(of: ["repo", "ref", "commit", "manifest"]))
        #expect(source["commit"] is NSNull)
        let findings = try #require(object["findings"] as? [[String: Any]])
        let keys: Set<String> = [
            "checker", "resource", "status", "severity", "expected", "observed", "message", "fix", "position", "plan",
        ]
        for finding in findings { #expect(Set(finding.keys) == keys) }
        #expect(findings[0]["fix"] is NSNull)
        #expect(findings[0]["expected"] is NSNull)
        let fix = try #require(findings[1]["fix"] as? [String: Any])
        #expect(Set(fix.keys) == ["summary", "snippet", "language"])
        #expect(fix["snippet"] is NSNull)
    }

    @Test func jsonRoundTripsThroughTheReportType() throws {
        let report = Self.report(Self.mixed)
        let decoded = try JSONDecoder().decode(Report.self, from: Data(JSONReportRenderer.render(report).utf8))
        #expect(decoded.findings == report.findings)
        #expect(decoded.source == report.source)
        #expect(decoded.summary == report.summary)
    }

    @Test func jsonReportSnapshot() {
        let report = Self.report(Self.mixed, manifest: "manifests/production.yaml")
        assertSnapshot(JSONReportRenderer.render(report), named: "report-mixed.json")
    }

    // MARK: Text

    @Test func textReportSnapshotWithDrift() {
        let report = Self.report(Self.mixed, manifest: "manifests/production.yaml")
        assertSnapshot(TextReportRenderer().render(report), named: "text-mixed.txt")
    }

    @Test func textReportSnapshotQuietHidesOK() {
        let report = Self.report(Self.mixed, manifest: "manifests/production.yaml")
        assertSnapshot(TextReportRenderer(hideOK: true).render(report), named: "text-mixed-quiet.txt")
    }

    @Test func textReportSnapshotInSync() {
        let report = Report(
            origin: SourceOrigin(repo: "/srv/config", ref: "worktree", commit: nil, worktree: true),
            manifest: "manifests/", mode: .dryRun,
            findings: [Self.mixed[0], Self.mixed[4], Self.finding(.ok, "api-auth-rejects-anonymous")])
        assertSnapshot(TextReportRenderer().render(report), named: "text-in-sync.txt")
    }

    @Test func textReportSnapshotNarrowTerminalWrapsFixes() {
        let report = Self.report([Self.mixed[1]])
        assertSnapshot(TextReportRenderer(width: 60).render(report), named: "text-narrow.txt")
    }

    @Test func textReportHasNoEscapeCodesWithoutColourAndColoursStatusesWithIt() {
        let report = Self.report(Self.mixed)
        #expect(!TextReportRenderer(color: false).render(report).contains("\u{1B}"))
        let coloured = TextReportRenderer(color: true).render(report)
        #expect(coloured.contains("\u{1B}[31;1mDRIFT  \u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[33mUNKNOWN\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[32mOK     \u{1B}[0m"))
    }

    @Test func textReportSummarisesAnEmptyRun() {
        let report = Self.report([])
        #expect(
            TextReportRenderer().render(report)
                == "reconcile dry-run: manifests/ from /srv/config, origin/main @ 9f3c2a7b1d4e\n\n0 checks: 0 drift, 0 unknown, 0 ok (in sync)\n"
        )
    }

    // MARK: GitHub annotations

    @Test func githubAnnotationsEscapeDataAndProperties() {
        let finding = Finding(
            checker: "health", resource: "api", status: .drift, message: "100% down\r\nsince: now, really",
            fix: Fix(summary: "start it"),
            position: SourcePosition(file: "manifests/a,b:c.yaml", line: 7, column: 5))
        let report = Self.report([finding, Self.finding(.ok, "fine"), Self.finding(.unknown, "docker", checker: "docker")])
        #expect(
            GitHubAnnotations.of(report).commands
                == "::error file=manifests/a%2Cb%3Ac.yaml,line=7,col=5,title=reconcile health::api: 100%25 down\\r%0Asince: now, really%0Afix: start it\n"
                + "::warning title=reconcile docker::docker: unknown\n")
    }

    @Test func githubAnnotationsForManifestErrors() {
        let errors = [
            ManifestError(
                position: SourcePosition(file: "manifests/prod.yaml", line: 3, column: 1), keyPath: "helth",
                message: "unknown key 'helth'; did you mean 'health'?"),
            ManifestError(
                position: SourcePosition(file: "manifests/prod.yaml", line: 1, column: 1), keyPath: "",
                message: "the manifest is empty"),
        ]
        #expect(
            GitHubAnnotations.of(errors).commands
                == "::error file=manifests/prod.yaml,line=3,col=1,title=reconcile validate::helth: unknown key 'helth'; did you mean 'health'?\n"
                + "::error file=manifests/prod.yaml,line=1,col=1,title=reconcile validate::the manifest is empty\n")
    }

    // MARK: Report file

    @Test func reportFileIsWrittenWithoutLeavingATemporaryFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("report.json")
        try ReportFile.write("{\"version\": 1}\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"version\": 1}\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.json"])
    }

    @Test func reportFileReplacesAnExistingReportWhole() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("report.json", String(repeating: "old report ", count: 1000))
        try ReportFile.write("new\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.json"])
    }

    @Test func reportFileReplacesByRenameSoReadersNeverSeeHalfAFile() throws {
        // A reader holding the old file keeps reading the old, complete content: the new
        // report is a new inode moved into place, not the old file truncated and rewritten.
        let directory = try TemporaryDirectory()
        let path = try directory.write("report.json", "old\n")
        let reader = try #require(FileHandle(forReadingAtPath: path))
        defer { try? reader.close() }
        try ReportFile.write("new\n", to: path)
        #expect(String(decoding: reader.readDataToEndOfFile(), as: UTF8.self) == "old\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
    }

    @Test func reportFileInAMissingDirectoryFailsNamingThePath() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("no/such/dir/report.json")
        let error = try #require(throws: ReportFileError.self) { try ReportFile.write("x", to: path) }
        #expect(error.description == "cannot write report file \(path): No such file or directory")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func reportFileRenameFailureCleansUpAndNamesThePath() throws {
        // The target is a non-empty directory: the temporary file is written, rename(2)
        // fails, and the temporary file must not be left behind.
        let directory = try TemporaryDirectory()
        try directory.write("report.json/keep", "x")
        let error = try #require(throws: ReportFileError.self) {
            try ReportFile.write("x", to: directory.file("report.json"))
        }
        #expect(error.description.hasPrefix("cannot write report file \(directory.file("report.json")): "))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.json"])
    }
}

/// The report file's temporary file cannot be redirected through a planted link.
@Suite struct ReportFileLinkTests {
    @Test func aLinkAtTheOldPredictableTemporaryNameIsNeitherFollowedNorReplaced() throws {
        let directory = try TemporaryDirectory()
        let victim = try directory.write("victim", "untouched\n")
        let planted = directory.file(".report.json.\(getpid()).tmp")
        try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: victim)
        try ReportFile.write("new\n", to: directory.file("report.json"))
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "untouched\n")
        #expect(try String(contentsOfFile: directory.file("report.json"), encoding: .utf8) == "new\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: planted) == victim)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                == [".report.json.\(getpid()).tmp", "report.json", "victim"])
    }
}
