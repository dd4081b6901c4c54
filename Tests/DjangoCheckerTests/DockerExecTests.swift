import DockerChecker
import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import DjangoChecker

/// The container runner's pure parts, on exec streams recorded from Podman's Docker
/// API, and the dry-run policy the run hands to it.
@Suite struct DockerExecTests {
    @Test func theRecordedExecStreamSplitsIntoTheDocumentAndTheProjectsOutput() throws {
        let (stdout, stderr) = DockerEngineClient.demultiplex(try DjangoFixtures.data("exec-introspection.stream"))
        #expect(String(decoding: stderr, as: UTF8.self) == "loading production settings\n")
        let outcome = IntrospectionOutput.outcome(of: RawRun(stdout: stdout, stderr: stderr, status: 0))
        guard case .introspected(let introspection) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(introspection.cwd == "/app")
        #expect(introspection.executable == "/venv/bin/python3")
        #expect(introspection.settings?["DEBUG"]?.value == .bool(false))
        #expect(introspection.checks?.messages == [])
    }

    @Test func aStreamWithoutFrameHeadersIsATerminalsOutput() {
        let raw = Data("plain text from a tty\n".utf8)
        let (stdout, stderr) = DockerEngineClient.demultiplex(raw)
        #expect(stdout == raw)
        #expect(stderr.isEmpty)
    }

    @Test func aFrameCutShortKeepsWhatArrived() {
        var stream = Data([1, 0, 0, 0, 0, 0, 0, 3]) + Data("abc".utf8)
        stream += Data([2, 0, 0, 0, 0, 0, 0, 10]) + Data("err".utf8)
        let (stdout, stderr) = DockerEngineClient.demultiplex(stream)
        #expect(String(decoding: stdout, as: UTF8.self) == "abc")
        #expect(String(decoding: stderr, as: UTF8.self) == "err")
    }

    @Test func theExecCarriesTheSettingsModuleAndNoBytecode() {
        let container = DjangoSpec.ContainerRunner(name: "backend", environment: ["DJANGO_DEBUG": "0"])
        let environment = ContainerIntrospection.environment(
            container, settingsModule: "rims_backend.settings", config: .defaults)
        #expect(
            environment.kept == [
                "DJANGO_DEBUG=0", "DJANGO_SETTINGS_MODULE=rims_backend.settings", "PYTHONDONTWRITEBYTECODE=1",
                "PYTHONUNBUFFERED=1",
            ])
        #expect(environment.refused.isEmpty)
    }

    @Test func aDryRunAllowsTheExecCallsAndNothingElse() {
        let dryRun = ObservationContext(mode: .dryRun, source: StubSource()).http.policy
        #expect(dryRun.name == "read-only+docker-exec")
        #expect(dryRun.allows(HTTPRequest(method: "POST", url: "http://localhost/v1.41/containers/backend/exec")))
        #expect(dryRun.allows(HTTPRequest(method: "POST", url: "http://localhost/v1.41/exec/abc/start")))
        #expect(!dryRun.allows(HTTPRequest(method: "POST", url: "http://localhost/v1.41/containers/backend/restart")))
        #expect(ObservationContext(mode: .apply, source: StubSource()).http.policy.name == "allow-all")
    }

    @Test func aMissingSocketIsUnknownWithAHint() async throws {
        let spec = DjangoSpec(
            runner: .container(.init(name: "backend", endpoint: "unix:///nonexistent/docker.sock")),
            settingsModule: "rims_backend.settings")
        let (_, findings) = try await check(spec)
        #expect(findings.count == 1)
        #expect(findings[0].status == .unknown)
        #expect(findings[0].observed == "no Docker socket at /nonexistent/docker.sock")
        #expect(findings[0].fix?.summary.contains("podman system service") == true)
    }

    @Test func anEngineThatDoesNotAnswerIsUnknown() async throws {
        let refusing = try ReservedPort()
        let spec = DjangoSpec(
            runner: .container(.init(name: "backend", endpoint: "tcp://127.0.0.1:\(refusing.port)")),
            settingsModule: "rims_backend.settings")
        let (_, findings) = try await check(spec)
        #expect(findings.map(\.status) == [.unknown])
        #expect(findings[0].message.contains("Docker engine unavailable"))
    }
}
