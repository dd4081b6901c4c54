import DockerChecker
import Foundation
import ReconcileKit
import TestSupport
import Testing

@testable import DjangoChecker

/// Reading what Python printed into an observation: the recorded documents decode with
/// their types kept, and every way of printing no document is a failure with the one
/// line a person needs.
@Suite struct OutputTests {
    static func run(stdout: String = "", stderr: String = "", status: Int32? = 0) -> DjangoObservation.Outcome {
        IntrospectionOutput.outcome(of: RawRun(stdout: Data(stdout.utf8), stderr: Data(stderr.utf8), status: status))
    }

    static func failure(_ outcome: DjangoObservation.Outcome) throws -> RunFailure {
        guard case .failed(let failure) = outcome else { throw TestSupportError("not a failure: \(outcome)") }
        return failure
    }

    @Test func theRecordedProductionDocumentDecodesWithTypesKept() throws {
        let introspection = try DjangoFixtures.introspection("production.json")
        #expect(introspection.format == 1)
        #expect(introspection.django?.hasPrefix("5.2") == true)
        #expect(introspection.settingsModule == "rims_backend.settings")
        #expect(introspection.settingsFile == "rims_backend/settings.py")
        #expect(introspection.debug == false)
        let settings = try #require(introspection.settings)
        #expect(settings["DEBUG"]?.value == .bool(false))
        #expect(settings["MEDIA_ROOT"]?.value == .string("/app/media"))
        #expect(settings["ALLOWED_HOSTS"]?.value == .list([.string("rims.example.com")]))
        #expect(settings["DEBUG"]?.source?.file == "rims_backend/settings.py")
        // Reported whatever the manifest names, for the media chain.
        #expect(settings["STATIC_ROOT"]?.value == .string("/app/static"))
        #expect(introspection.secrets == ["SECRET_KEY": true, "DATABASES.default.PASSWORD": true])
        #expect(introspection.media?.resolves == false)
        #expect(introspection.media?.urlconfFile == "rims_backend/urls.py")
        #expect(introspection.console?.loggers["root"]?.desired.handlers.map(\.className) == ["logging.StreamHandler"])
        #expect(introspection.checks?.messages == [])
    }

    @Test func recordedDocumentsHoldNoSecretValues() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: DjangoFixtures.path("")).filter {
            $0.hasSuffix(".json") || $0.hasSuffix(".stream")
        }
        #expect(files.count >= 8)
        for file in files {
            let text = String(decoding: try DjangoFixtures.data(file), as: UTF8.self)
            #expect(!text.contains(DjangoProject.secretKey), "\(file)")
            #expect(!text.contains(DjangoProject.databasePassword), "\(file)")
        }
    }

    @Test func anImportErrorDocumentIsASettingsFailureWithItsLocation() throws {
        let outcome = IntrospectionOutput.outcome(
            of: RawRun(stdout: try DjangoFixtures.data("import-error.json"), stderr: Data(), status: 0))
        let failure = try Self.failure(outcome)
        #expect(failure.kind == .settingsFailed)
        #expect(failure.message == "ModuleNotFoundError: No module named 'reconcile_missing_package'")
        #expect(failure.location?.hasPrefix("rims_backend/settings.py:") == true)
    }

    @Test func outputBeforeTheMarkerIsIgnored() throws {
        let document = String(decoding: try DjangoFixtures.data("production.json"), as: UTF8.self)
        let outcome = Self.run(stdout: "Loading {settings}\n[1, 2\n" + document)
        guard case .introspected = outcome else {
            Issue.record("\(outcome)")
            return
        }
    }

    @Test func noDocumentIsAFailureWithTheLastLineOfStderr() throws {
        let failure = try Self.failure(
            Self.run(
                stderr: "Traceback (most recent call last):\n  File \"<stdin>\", line 3\n    f\"{x=}\"\nSyntaxError: invalid syntax\n\n",
                status: 1))
        #expect(failure.kind == .scriptFailed)
        #expect(failure.message == "SyntaxError: invalid syntax (exit status 1)")
    }

    @Test func aKilledInterpreterSaysWhichSignal() throws {
        let failure = try Self.failure(Self.run(status: 137))
        #expect(failure.message == "Python was killed by signal 9")
    }

    @Test func exitCode127IsAMissingInterpreterWithTheEnginesReason() throws {
        let stream = try DjangoFixtures.data("exec-missing-python.stream")
        let (stdout, stderr) = DockerEngineClient.demultiplex(stream)
        let failure = try Self.failure(IntrospectionOutput.outcome(of: RawRun(stdout: stdout, stderr: stderr, status: 127)))
        #expect(failure.kind == .interpreterMissing)
        #expect(failure.message.contains(#"exec: "/nonexistent/python9": stat /nonexistent/python9: no such file or directory"#))
    }

    @Test func anUnreadableDocumentIsAFailure() throws {
        let failure = try Self.failure(Self.run(stdout: "\n\(IntrospectionOutput.marker)\n{\"format\": \n"))
        #expect(failure.kind == .scriptFailed)
        #expect(failure.message.hasPrefix("the introspection output cannot be read"))
    }

    @Test func djangoMissingIsItsOwnKind() throws {
        let document =
            #"{"format": 1, "error": {"stage": "import django", "type": "ModuleNotFoundError", "last_line": "ModuleNotFoundError: No module named 'django'"}}"#
        let failure = try Self.failure(Self.run(stdout: "\n\(IntrospectionOutput.marker)\n\(document)\n"))
        #expect(failure.kind == .djangoMissing)
        #expect(failure.location == nil)
    }

    // MARK: Values

    @Test func valuesDecodeWithTheirJSONTypes() throws {
        let json = #"""
            {"t": true, "i": 1, "d": 1.5, "n": null, "s": "x", "l": [1, "1", false],
             "m": {"b": 2, "a": "z"}, "h": {"$hidden": true, "set": false},
             "o": {"$repr": "<function f>", "$type": "function"}}
            """#
        let values = try JSONDecoder().decode([String: DjangoValue].self, from: Data(json.utf8))
        #expect(values["t"] == .bool(true))
        #expect(values["i"] == .int(1))
        #expect(values["d"] == .double(1.5))
        #expect(values["n"] == .null)
        #expect(values["s"] == .string("x"))
        #expect(values["l"] == .list([.int(1), .string("1"), .bool(false)]))
        #expect(values["m"] == .map(["a": .string("z"), "b": .int(2)]))
        #expect(values["h"] == .hidden(set: false))
        #expect(values["o"] == .opaque(repr: "<function f>", type: "function"))
        #expect(values["m"]?.description == #"{"a": "z", "b": 2}"#)
        #expect(values["h"]?.description == "<secret, not set>")
    }

    @Test(
        "typed equality",
        arguments: [
            (DjangoValue.bool(false), ManifestValue.bool(false), true),
            (.string("False"), .bool(false), false),
            (.bool(true), .int(1), false),
            (.int(1), .bool(true), false),
            (.int(2), .double(2.0), true),
            (.null, .string(""), false),
            (.list([.string("a"), .string("b")]), .list([.string("a"), .string("b")]), true),
            (.list([.string("b"), .string("a")]), .list([.string("a"), .string("b")]), false),
            (.list([.string("a")]), .string("a"), false),
            (.map(["a": .int(1), "b": .int(2)]), .map([.init(key: "b", value: .int(2)), .init(key: "a", value: .int(1))]), true),
            (.map(["a": .int(1)]), .map([.init(key: "a", value: .int(1)), .init(key: "b", value: .int(2))]), false),
            (.hidden(set: true), .string("x"), false),
            (.opaque(repr: "x", type: nil), .string("x"), false),
        ])
    func typedEquality(_ observed: DjangoValue, _ expected: ManifestValue, _ equal: Bool) {
        #expect(observed.matches(expected) == equal)
    }

    @Test func aSettingWhoseValueIsNoneIsNotMissing() throws {
        let json = #"{"value": null, "overridden": false}"#
        let report = try JSONDecoder().decode(Introspection.SettingReport.self, from: Data(json.utf8))
        #expect(report.value == .null)
        #expect(report.missing == false)
    }
}
