import Foundation
import ReconcileKit
import ReconcileTestSupport
import TestSupport
import Testing

@testable import HostChecker

/// The scan of /proc stops at the run's deadline (its task's cancellation) and says so;
/// what it did not reach is never reported as absent.
@Suite("host: a bounded scan")
struct ScanBoundsTests {
    @Test func aCancelledScanStopsAndSaysWhere() async throws {
        let scan = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await ProcessTable.scan(wanted: [])
        }.value
        let result = try scan.get()
        #expect(result.incomplete == "the deadline passed after 0 processes")
        #expect(result.processes.isEmpty)
    }

    @Test func anIncompleteScanMakesAbsenceUnknownNotOk() throws {
        let spec = try decode(HostSpec.self, body: "processes: { present: [caddy], absent: [nginx] }")
        let observation = HostObservation(processes: [], scanIncomplete: "the deadline passed after 10 processes")
        let findings = HostVerdict.findings(spec, observation)
        #expect(findings.map(\.status) == [.unknown, .unknown])
        #expect(findings[1].message.contains("the scan was incomplete (the deadline passed after 10 processes)"))
    }

    /// A process with thousands of descriptors fills glibc's `readdir` buffer: every
    /// entry's name is read in place, so each socket is found, and none is read past the
    /// buffer's end (under AddressSanitizer the old copy of `d_name` overflowed here).
    @Test func aProcessWithThousandsOfDescriptorsHasEverySocketFound() throws {
        let directory = try TemporaryDirectory(prefix: "reconcile-fds")
        let inodes = Set((0..<5000).map { UInt64(100_000 + $0) })
        for inode in inodes {
            try FileManager.default.createSymbolicLink(
                atPath: directory.file(String(inode - 100_000)), withDestinationPath: "socket:[\(inode)]")
        }
        guard case .read(let found, let truncated) = ProcessTable.sockets(of: directory.path, among: inodes) else {
            Issue.record("the directory was not read")
            return
        }
        #expect(!truncated)
        #expect(found == inodes)
    }

    @Test func aCompleteScanSeesThisVeryProcess() async throws {
        let result = try await ProcessTable.scan(wanted: []).get()
        #expect(result.incomplete == nil)
        #expect(result.processes.contains { $0.pid == getpid() })
    }
}
