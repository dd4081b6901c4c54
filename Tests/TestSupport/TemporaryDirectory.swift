import Foundation

/// A directory under the system temp folder that tests own and remove when done, so
/// no test leaves files behind or sees another test's files.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "reconcile-test") throws {
        path = try Self.make(prefix: prefix)
    }

    /// A new directory (`mkdtemp`) that nothing removes: for state that must outlive any
    /// one value, such as a server's store removed by its own shutdown.
    public static func make(prefix: String) throws -> String {
        let template = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)-XXXXXX")
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else {
            throw TestSupportError("mkdtemp failed for \(template): errno \(errno)")
        }
        return String(cString: created)
    }

    /// The absolute path of `relative` inside this directory.
    public func file(_ relative: String) -> String {
        (path as NSString).appendingPathComponent(relative)
    }

    /// Writes `contents` at `relative`, creating intermediate directories.
    @discardableResult
    public func write(_ relative: String, _ contents: String) throws -> String {
        let target = file(relative)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A failure of the test scaffolding itself (not of the code under test).
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
