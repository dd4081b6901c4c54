import Foundation

/// Where things are for tests: the repository root, fixtures, the Python interpreter the
/// test setup installed, and the built `reconcile` binary.
public enum TestPaths {
    /// The package root, derived from this file's location (Tests/TestSupport/Paths.swift).
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// A file under Tests/Fixtures.
    public static func fixture(_ relative: String) -> String {
        "\(repositoryRoot)/Tests/Fixtures/\(relative)"
    }

    /// The Python with the test dependencies (PyPI packages from scripts/setup):
    /// `RECONCILE_TEST_PYTHON`, else the repository's `.venv`, else `python3`.
    public static var python: String {
        if let explicit = ProcessInfo.processInfo.environment["RECONCILE_TEST_PYTHON"] { return explicit }
        let venv = "\(repositoryRoot)/.venv/bin/python3"
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        return resolveExecutable("python3")
    }

    /// The `reconcile` binary built beside the test bundle (or `RECONCILE_BIN`).
    public static var reconcileBinary: String {
        if let explicit = ProcessInfo.processInfo.environment["RECONCILE_BIN"] { return explicit }
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0])
            .deletingLastPathComponent().appendingPathComponent("reconcile").path
        if FileManager.default.isExecutableFile(atPath: besideTests) { return besideTests }
        return "\(repositoryRoot)/.build/debug/reconcile"
    }
}

/// The files under Tests/Fixtures, read.
public enum Fixtures {
    public static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture(relative)))
    }

    public static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: TestPaths.fixture(relative), encoding: .utf8)
    }
}

/// The JSON objects of a JSON Lines file a fixture server writes (lines that are not an
/// object skipped); [] while the file does not exist.
func jsonLines(_ path: String) -> [[String: Any]] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}
