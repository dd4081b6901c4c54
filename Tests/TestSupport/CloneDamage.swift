import Foundation

/// Breaks a real cached clone on disk the ways a full disk, a crash or a careless hand
/// does, for the tests that check `reconcile` recovers from it.
public enum CloneDamage {
    /// The clone's directory in `cache`: the only entry that is neither a lock nor scratch.
    public static func clone(in cache: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: cache)
        let clones = names.filter { !$0.hasSuffix(".lock") && !$0.contains(".partial-") }
        guard clones.count == 1 else { throw TestSupportError("expected one clone in \(cache): \(names)") }
        return (cache as NSString).appendingPathComponent(clones[0])
    }

    /// Truncates the clone's `config` to nothing (the `origin` remote is gone with it).
    public static func emptyConfig(of clone: String) throws {
        try Data().write(to: URL(fileURLWithPath: (clone as NSString).appendingPathComponent("config")))
    }

    /// Overwrites every byte of every pack file with garbage, keeping the sizes.
    public static func garbagePacks(of clone: String) throws {
        let directory = (clone as NSString).appendingPathComponent("objects/pack")
        let packs = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".pack") }
        guard !packs.isEmpty else { throw TestSupportError("no pack files in \(directory)") }
        for pack in packs {
            let path = (directory as NSString).appendingPathComponent(pack)
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            chmod(path, 0o644)
            try Data(repeating: 0x5A, count: max(size, 64)).write(to: URL(fileURLWithPath: path))
        }
    }
}
