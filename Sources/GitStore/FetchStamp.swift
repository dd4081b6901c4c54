import Foundation

/// The time a cached clone was last cloned or fetched successfully, kept as the
/// modification time of a file inside the clone (`reconcile-last-fetch`, which git
/// ignores), so a run that falls back to the cache can say how old its commit may be.
enum FetchStamp {
    private static let name = "reconcile-last-fetch"

    static func record(in clone: String) {
        let path = (clone as NSString).appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
    }

    static func read(in clone: String) -> Date? {
        let path = (clone as NSString).appendingPathComponent(name)
        return (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}
