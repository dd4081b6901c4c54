import Foundation
import TestSupport
import Testing

/// contrib/ci's templates do what they say: each template's own commands (read from the
/// YAML, not copied here) run with bash, as the CI would, on a scratch repository whose
/// feature branch changes the desired state of its main branch, with the built reconcile
/// on PATH.
@Suite struct CITemplateTests {
    /// The `run:` steps (GitHub) or `script:` lines (GitLab) of a template, in order.
    static func commands(_ template: String, github: Bool) throws -> [String] {
        let script = """
            import json, sys, yaml
            document = yaml.safe_load(open(sys.argv[1]))
            if sys.argv[2] == "github":
                steps = document["jobs"]["reconcile"]["steps"]
                print(json.dumps([step["run"] for step in steps if "run" in step]))
            else:
                print(json.dumps(document["reconcile"]["script"]))
            """
        let result = try run(
            TestPaths.python, ["-c", script, TestPaths.repositoryRoot + "/contrib/ci/" + template, github ? "github" : "gitlab"])
        guard result.status == 0 else { throw TestSupportError("cannot read \(template): \(result.stderr)") }
        return try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8))
    }

    /// main holds the consistent stack; the checked-out branch `feature` changes Caddy's
    /// media root and Django's MEDIA_ROOT together; `origin` is the repository itself.
    static func repository() throws -> ScratchRepository {
        let manifest = "manifests/production.yaml"
        let stack = try String(contentsOfFile: TestPaths.fixture("consistency/passes/consistent/\(manifest)"), encoding: .utf8)
        let repo = try ScratchRepository()
        try repo.commit([manifest: stack], message: "base")
        try repo.git("checkout", "--quiet", "-b", "feature")
        try repo.commit(
            [
                manifest: stack.replacingOccurrences(of: "/srv/rims/media", with: "/srv/rims/uploads")
            ], message: "move the uploads")
        try repo.git("remote", "add", "origin", repo.path)
        try repo.git("fetch", "--quiet", "origin")
        return repo
    }

    /// Runs each command with `bash -e -c` in the repository; the statuses in order.
    static func execute(_ commands: [String], in repo: ScratchRepository, environment: [String: String]) throws -> [Int32] {
        let binaries = (TestPaths.reconcileBinary as NSString).deletingLastPathComponent
        var variables: [String: String?] = [
            "PATH": binaries + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "XDG_CACHE_HOME": NSTemporaryDirectory() + "reconcile-ci-cache",
        ]
        for (name, value) in environment { variables[name] = value }
        return try commands.map { command in
            try run("bash", ["-e", "-c", command], environment: variables, workingDirectory: repo.path).status
        }
    }

    @Test func theGitHubWorkflowValidatesPlansIntoTheStepSummaryAndWritesSARIF() async throws {
        let commands = try Self.commands("github-actions.yml", github: true).map {
            $0.replacingOccurrences(of: "${{ github.base_ref }}", with: "main")
        }
        #expect(commands.count == 3)
        let repo = try await offPool { try Self.repository() }
        let scratch = try TemporaryDirectory(prefix: "reconcile-ci-github")
        let summary = try scratch.write("step-summary.md", "")
        let statuses = try await offPool { try Self.execute(commands, in: repo, environment: ["GITHUB_STEP_SUMMARY": summary]) }
        #expect(statuses == [0, 0, 0])
        let plan = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(plan.hasPrefix("### reconcile plan"), "\(plan)")
        #expect(plan.contains("| root | /srv/rims/media | /srv/rims/uploads |"))
        let sarif = try String(contentsOfFile: repo.path + "/reconcile.sarif", encoding: .utf8)
        #expect(try MachineFormatTests.schemaProblem(sarif, schema: "sarif-schema-2.1.0.json", json: true) == nil)
    }

    @Test func theGitLabJobWritesAJUnitReportAndThePlanArtifact() async throws {
        let commands = try Self.commands("gitlab-ci.yml", github: false)
        #expect(commands.count == 3)
        let repo = try await offPool { try Self.repository() }
        let statuses = try await offPool {
            try Self.execute(commands, in: repo, environment: ["CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"])
        }
        #expect(statuses == [0, 0, 0])
        let junit = try String(contentsOfFile: repo.path + "/reconcile-junit.xml", encoding: .utf8)
        #expect(try MachineFormatTests.schemaProblem(junit, schema: "JUnit.xsd", json: false) == nil)
        #expect(junit.contains("<testcase name=\"manifests/production.yaml\" classname=\"reconcile.manifest\" time=\"0\"/>"))
        let plan = try String(contentsOfFile: repo.path + "/reconcile-plan.md", encoding: .utf8)
        #expect(plan.contains("| ~ | caddy | route rims.example.com /media/\\* | manifests/production.yaml:13 |"), "\(plan)")
    }

    @Test func aBrokenManifestFailsBothTemplatesFirstStep() async throws {
        let repo = try await offPool {
            let repo = try Self.repository()
            try repo.commit(["manifests/production.yaml": "apiVersion: reconcile/v1\nkind: Environment\nbogus: 1\n"])
            return repo
        }
        let github = try Self.commands("github-actions.yml", github: true)
        let gitlab = try Self.commands("gitlab-ci.yml", github: false)
        let statuses = try await offPool {
            (try Self.execute([github[0]], in: repo, environment: [:]), try Self.execute([gitlab[1]], in: repo, environment: [:]))
        }
        #expect(statuses.0 == [1])
        #expect(statuses.1 == [1])
    }
}
