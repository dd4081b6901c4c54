import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Walks `/proc` for what `ps` and `ss -p` would say: each process's name
/// (`/proc/<pid>/comm`) and executable (`/proc/<pid>/exe`), and which of the wanted
/// sockets each one holds (its `/proc/<pid>/fd/*` links that read `socket:[inode]`).
///
/// Bounded: it stops at the run's deadline (the task's cancellation, checked per
/// process and every few thousand descriptors), after `processLimit` processes, and
/// reads at most `descriptorLimit` descriptors of one process; where it stopped is
/// said in `incomplete`, so an owner it did not reach is unseen, never guessed.
enum ProcessTable {
    static let processLimit = 100_000
    static let descriptorLimit = 1 << 16

    struct Scan {
        var processes: [ObservedProcess] = []
        /// The processes holding each wanted socket, by inode.
        var owners: [UInt64: [ObservedProcess]] = [:]
        /// Processes whose descriptors this user may not read.
        var hidden = 0
        var incomplete: String?
    }

    static func scan(root: String = "/proc", wanted: Set<UInt64>) async -> Result<Scan, ScanFailure> {
        guard let directory = opendir(root) else {
            return .failure(ScanFailure(reason: "cannot read \(root): \(String(cString: strerror(errno)))"))
        }
        defer { closedir(directory) }
        var scan = Scan()
        var seen = 0
        while let entry = readdir(directory) {
            let name = entryName(entry)
            guard let pid = Int32(name) else { continue }
            if Task.isCancelled {
                scan.incomplete = "the deadline passed after \(seen) processes"
                break
            }
            if seen == processLimit {
                scan.incomplete = "stopped after \(processLimit) processes"
                break
            }
            seen += 1
            if seen % 256 == 0 { await Task.yield() }
            guard let comm = readText("\(root)/\(name)/comm") else { continue } // exited meanwhile
            let process = ObservedProcess(
                pid: pid, name: comm.trimmingCharacters(in: ["\n"]), executable: readLink("\(root)/\(name)/exe"))
            scan.processes.append(process)
            guard !wanted.isEmpty else { continue }
            switch sockets(of: "\(root)/\(name)/fd", among: wanted) {
            case .hidden: scan.hidden += 1
            case .read(let inodes, let truncated):
                for inode in inodes { scan.owners[inode, default: []].append(process) }
                if truncated, scan.incomplete == nil {
                    scan.incomplete = "\(process) has more than \(descriptorLimit) descriptors; the rest were not read"
                }
            }
        }
        return .success(scan)
    }

    enum Descriptors {
        case hidden
        case read(Set<UInt64>, truncated: Bool)
    }

    /// The wanted socket inodes among a process's descriptors.
    static func sockets(of directory: String, among wanted: Set<UInt64>) -> Descriptors {
        guard let fds = opendir(directory) else { return errno == EACCES || errno == EPERM ? .hidden : .read([], truncated: false) }
        defer { closedir(fds) }
        var found: Set<UInt64> = []
        var count = 0
        while let entry = readdir(fds) {
            guard entry.pointee.d_name.0 != UInt8(ascii: ".") else { continue }
            count += 1
            if count > descriptorLimit || (count % 4096 == 0 && Task.isCancelled) { return .read(found, truncated: true) }
            let fd = entryName(entry)
            guard let target = readLink("\(directory)/\(fd)"), target.hasPrefix("socket:["), target.hasSuffix("]"),
                let inode = UInt64(target.dropFirst(8).dropLast())
            else { continue }
            if wanted.contains(inode) { found.insert(inode) }
        }
        return .read(found, truncated: false)
    }

    /// A directory entry's name, read in place up to its NUL. Not by copying `d_name`:
    /// glibc's entries are only as long as their names, so copying the whole 256-byte
    /// field reads past the last entry of a full `readdir` buffer, past the end of its
    /// allocation (AddressSanitizer: heap-buffer-overflow in a directory of 5000 files),
    /// which crashes when that allocation ends at an unmapped page.
    static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
        withUnsafePointer(to: &entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 1) { String(cString: $0) } }
    }

    /// A file's text, read until its end (a `/proc` file reports size 0), at most `limit`
    /// bytes: 4 KiB for a name, more for the kernel's socket tables.
    static func readText(_ path: String, limit: Int = 4096) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(limit, 64 * 1024))
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, min($0.count, limit - bytes.count)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A kernel socket table: 64 MiB holds about 400 000 sockets.
    static func readWhole(_ path: String) -> String? { readText(path, limit: 64 << 20) }

    /// A symbolic link's target; nil when it cannot be read.
    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Why `/proc` could not be walked at all.
struct ScanFailure: Error {
    let reason: String
}
