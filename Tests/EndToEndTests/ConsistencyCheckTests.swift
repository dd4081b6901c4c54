import Foundation
import TestSupport
import Testing

/// `reconcile validate`'s consistency checks on real git repositories: every fixture under
/// Tests/Fixtures/consistency/trips is one contradiction, reported with its rule, file:line
/// on both sides and the exit code its severity gives (warnings fail only with --strict);
/// every fixture under passes/ holds the near misses and is clean even with --strict.
///
/// `<case>.expected` holds `exit N` then the exact output; `RECONCILE_RECORD_SNAPSHOTS=1`
/// rewrites it (review with git diff).
@Suite struct ConsistencyCheckTests {
    static let root = TestPaths.fixture("consistency")

    static func cases(_ kind: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(kind)")) ?? []
        return entries.filter { !$0.hasSuffix(".expected") }.sorted()
    }

    /// The case's tree committed as one commit of a fresh repository.
    static func repository(_ kind: String, _ name: String) async throws -> ScratchRepository {
        try await offPool {
            let directory = "\(root)/\(kind)/\(name)"
            var files: [String: String] = [:]
            for file in try FileManager.default.subpathsOfDirectory(atPath: directory) where !file.hasPrefix(".") {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: "\(directory)/\(file)", isDirectory: &isDirectory), !isDirectory.boolValue {
                    files[file] = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
                }
            }
            return try ScratchRepository(files: files)
        }
    }

    /// Each rule of the README's consistency table is named by some fixture's expected
    /// output (so a rule without a fixture that trips it fails here).
    @Test func everyRuleHasAFixtureThatTripsIt() throws {
        #expect(Self.cases("trips").count >= 16)
        #expect(Self.cases("passes").count >= 3)
        let readme = try String(contentsOfFile: "\(TestPaths.repositoryRoot)/README.md", encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Consistency checks (`reconcile validate`)").dropFirst().first)
        let table = section.components(separatedBy: "\n## ").first ?? ""
        let rules = table.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { String($0.dropFirst(3).prefix { $0 != "`" }) }
        #expect(rules.count >= 12, "\(rules)")
        let outputs = try Self.cases("trips").map {
            try String(contentsOfFile: "\(Self.root)/trips/\($0).expected", encoding: .utf8)
        }.joined()
        for rule in rules {
            #expect(outputs.contains("[\(rule)]: "), "no fixture under trips/ trips \(rule)")
        }
    }

    @Test(arguments: cases("trips"))
    func eachContradictionIsReportedAtBothSides(_ name: String) async throws {
        let repo = try await Self.repository("trips", name)
        let result = try await reconcile(["validate", "--repo", repo.path])
        let actual = "exit \(result.status)\n" + result.stdout
        let expectedFile = "\(Self.root)/trips/\(name).expected"
        if ProcessInfo.processInfo.environment["RECONCILE_RECORD_SNAPSHOTS"] == "1" {
            try actual.write(toFile: expectedFile, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: expectedFile, encoding: .utf8)
        #expect(actual == expected, "\(result.allOutput)")
        #expect(actual.contains("manifests/production.yaml:"))
        if result.status == 0 {
            // A warning: valid, unless the check is strict.
            #expect(actual.contains(": warning["))
            let strict = try await reconcile(["validate", "--repo", repo.path, "--strict"])
            #expect(strict.status == 1, "\(strict.allOutput)")
        } else {
            #expect(result.status == 1)
        }
    }

    @Test(arguments: cases("passes"))
    func aConsistentStackPassesEvenWhenStrict(_ name: String) async throws {
        let repo = try await Self.repository("passes", name)
        let result = try await reconcile(["validate", "--repo", repo.path, "--strict"])
        #expect(result.status == 0, "\(result.allOutput)")
        #expect(result.stdout.hasPrefix("manifests/production.yaml: valid (production: "), "\(result.stdout)")
        #expect(!result.stdout.contains("warning[") && !result.stdout.contains("error["))
    }

    @Test func githubAndJSONCarryTheRuleAndBothPositions() async throws {
        let repo = try await Self.repository("trips", "media-root")
        let github = try await reconcile(["validate", "--repo", repo.path, "--format", "github"])
        #expect(github.status == 1)
        #expect(
            github.stdout.hasPrefix(
                "::error file=manifests/production.yaml,line=36,col=21,title=reconcile validate (media-root)::mounts media: container_path is /app/media but Django's MEDIA_ROOT is /app/uploads (see manifests/production.yaml:31:"
            ), "\(github.stdout)")
        let json = try await reconcile(["validate", "--repo", repo.path, "--format", "json"])
        #expect(json.status == 1)
        let report = try json.json()
        #expect(report["valid"] as? Bool == false)
        let problems = try #require(report["consistency"] as? [[String: Any]])
        #expect(problems.count == 1)
        #expect(problems.first?["rule"] as? String == "media-root")
        #expect(problems.first?["severity"] as? String == "error")
        #expect(problems.first?["line"] as? Int == 36)
        let related = try #require(problems.first?["related"] as? [[String: Any]])
        #expect(related.first?["line"] as? Int == 31)
    }
}
