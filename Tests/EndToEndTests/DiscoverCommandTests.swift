import Foundation
import TestSupport
import Testing

/// `reconcile discover`'s command line: what it refuses before observing anything, and
/// what it says when a layer cannot be observed (exit 3, the section left out, a comment).
@Suite struct DiscoverCommandTests {
    @Test func nothingToDiscoverIsAUsageErrorThatNamesTheFlags() async throws {
        let result = try await reconcile(["discover"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("nothing to discover"), "\(result.stderr)")
        #expect(result.stderr.contains("--caddy"))
    }

    @Test func aLocalRunnerNeedsItsWorkdirAndASettingsModule() async throws {
        let python = try await reconcile(["discover", "--django-python", "/usr/bin/python3", "--settings-module", "app.settings"])
        #expect(python.status == 1)
        #expect(python.stderr.contains("--django-python and --django-workdir go together"), "\(python.stderr)")
        let module = try await reconcile(["discover", "--django-container", "backend"])
        #expect(module.status == 1)
        #expect(module.stderr.contains("--settings-module"), "\(module.stderr)")
    }

    @Test func anUnreachableCaddyIsExitThreeWithTheReasonAndNoSection() async throws {
        let refusing = try ReservedPort()
        let result = try await reconcile(["discover", "--caddy", "http://127.0.0.1:\(refusing.port)"])
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("not observed: caddy: cannot read Caddy's config"), "\(result.stderr)")
        #expect(result.stdout.contains("# NOT OBSERVED (caddy): cannot read Caddy's config"), "\(result.stdout)")
        #expect(!result.stdout.contains("\ncaddy:"), "\(result.stdout)")
        #expect(result.stdout.hasPrefix("# yaml-language-server: $schema="))
    }

    @Test func helpTeachesTheRoundTrip() async throws {
        let result = try await reconcile(["discover", "--help"])
        #expect(result.status == 0)
        for text in [
            "--caddy", "--compose-project", "--health-token-env", "CONFIRM", "NOT EXPRESSIBLE YET", "--force", "reconcile --dry-run",
        ] {
            #expect(result.stdout.contains(text), "\(text) missing from --help")
        }
    }
}
