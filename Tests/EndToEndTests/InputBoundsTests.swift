import Foundation
import TestSupport
import Testing

/// The built binary against hostile or absurd input: every case ends quickly with a
/// clear error (file and position for manifests), never with a crash or unbounded memory.
@Suite struct InputBoundsTests {
    /// Nine levels of nine aliases under a Django setting (whose value is walked in
    /// full): 387 million nodes from a few hundred bytes. Before the alias bound it grew
    /// at 50-100 MB/s until killed.
    static let aliasBomb = """
        apiVersion: reconcile/v1
        kind: Environment
        name: bomb
        django:
          runner: { local: { python: /usr/bin/python3, workdir: /srv/app } }
          settings_module: app.settings
          settings:
            A: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
            B: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
            C: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
            D: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
            E: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
            F: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
            G: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
            H: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
            I: [*h, *h, *h, *h, *h, *h, *h, *h, *h]

        """

    static func repository(_ manifest: String) async throws -> ScratchRepository {
        try await committedRepository(["manifests/prod.yaml": manifest])
    }

    /// `reconcile arguments` under `ulimit` settings (`-v KB`, `-n COUNT`).
    static func reconcileLimited(_ limits: String, _ arguments: [String]) async throws -> CommandResult {
        let quoted = ([TestPaths.reconcileBinary] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return try await reconcile(["-c", "ulimit \(limits) && exec \(quoted)"], runner: "/bin/sh")
    }

    @Test(arguments: [["validate"], ["--dry-run"]])
    func anAliasBombIsRefusedWithItsPositionInBoundedMemory(_ command: [String]) async throws {
        let repo = try await Self.repository(Self.aliasBomb)
        // 1 GB of address space: plenty for a run (threads and malloc arenas reserve much
        // of it), a few seconds of the bomb's growth without the bound.
        let result = try await Self.reconcileLimited("-v 1000000", command + ["--repo", repo.path])
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(
            result.allOutput.contains(
                "manifests/prod.yaml:8:54: anchors and aliases expand this document to more than 100000 nodes"),
            "\(result.allOutput)")
    }

    @Test func anchorsWithinTheBoundStillWork() async throws {
        let repo = try await Self.repository(
            Manifests.health(
                """
                  - name: api
                    url: ${base}/api/health/
                    expect: &ok { status: 200 }
                  - name: other
                    url: ${base}/other/
                    expect: *ok
                """))
        let result = try await reconcile(["validate", "--repo", repo.path])
        #expect(result.status == 0, "\(result.allOutput)")
    }

    @Test func aManifestOverTheSizeLimitIsRefusedUnlessTheLimitIsRaised() async throws {
        let padding = String(repeating: "# padding to make the manifest large\n", count: 30_000)
        let repo = try await Self.repository(Manifests.health("  - name: api\n    url: ${base}/\n    expect: { status: 200 }\n") + padding)
        let refused = try await reconcile(["validate", "--repo", repo.path])
        #expect(refused.status == 1, "\(refused.allOutput)")
        #expect(
            refused.stdout.contains("manifests/prod.yaml:1:1: the file is 1110"),
            "\(refused.allOutput)")
        #expect(refused.stdout.contains("bytes, more than the limit of 1048576 (raise it with --max-manifest-bytes"))
        let raised = try await reconcile(["validate", "--repo", repo.path, "--max-manifest-bytes", "2000000"])
        #expect(raised.status == 0, "\(raised.allOutput)")
    }

    @Test(
        "numeric flags out of range exit 1 with a message, for run and validate",
        arguments: [
            "--timeout=inf", "--timeout=nan", "--timeout=-1", "--timeout=1e300", "--timeout=0",
            "--deadline=inf", "--deadline=nan", "--deadline=-1", "--deadline=1e300", "--deadline=0",
            "--max-connections-per-host=0", "--max-manifest-bytes=-5",
        ])
    func numericFlagsAreValidated(_ flag: String) async throws {
        let repo = try await Self.repository(Manifests.unobservable)
        let name = String(flag.prefix { $0 != "=" })
        let value = String(flag.drop { $0 != "=" }.dropFirst())
        let result = try await reconcile(["--dry-run", "--repo", repo.path, flag])
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.stderr.contains("\(name) must be"), "\(result.stderr)")
        let shown = name.hasPrefix("--max-") ? value : Double(value).map { "\($0)" } ?? value
        #expect(result.stderr.contains("got \(shown)"), "\(result.stderr)")
        #expect(result.stdout == "")
        if name == "--deadline" || name == "--max-manifest-bytes" {
            let validate = try await reconcile(["validate", "--repo", repo.path, flag])
            #expect(validate.status == 1, "\(validate.allOutput)")
            #expect(validate.stderr.contains("\(name) must be"), "\(validate.stderr)")
        }
    }

    /// `serve --interval inf` (or 1e300) was turned into milliseconds unchecked and trapped
    /// (SIGILL) instead of saying what was wrong.
    @Test("serve's --interval out of range exits 1 with a message", arguments: ["inf", "nan", "1e300", "-1", "0"])
    func serveIntervalIsValidated(_ value: String) async throws {
        let repo = try await Self.repository(Manifests.unobservable)
        let result = try await reconcile(["serve", "--dry-run", "--repo", repo.path, "--listen", "127.0.0.1:0", "--interval=\(value)"])
        #expect(result.status == 1, "\(result.allOutput)")
        #expect(result.stderr.contains("--interval must be a number of seconds"), "\(result.stderr)")
        #expect(result.stderr.contains("got \(Double(value).map { "\($0)" } ?? value)"), "\(result.stderr)")
    }
}
