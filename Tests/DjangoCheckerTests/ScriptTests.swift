import Foundation
import TestSupport
import Testing

@testable import DjangoChecker

/// The introspection script is a real Python file embedded at build time.
@Suite struct ScriptTests {
    static let path = "\(TestPaths.repositoryRoot)/Plugins/Django/introspection.py"

    @Test func theEmbeddedScriptIsTheFileInTheRepository() throws {
        let file = try String(contentsOfFile: Self.path, encoding: .utf8)
        #expect(IntrospectionScript.source == file)
        #expect(file.contains("def main("))
    }

    /// Python's own compiler accepts it (without writing bytecode next to it).
    @Test func pythonCompilesTheScript() throws {
        let result = try run(TestPaths.python, ["-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')", Self.path])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
