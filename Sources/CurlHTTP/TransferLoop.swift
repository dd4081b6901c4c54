internal import CCurl
import Foundation
import Synchronization

/// Owns the libcurl multi handle and frees it in `deinit`. The multi handle is where
/// all transfers run side by side and where connections are cached for reuse.
final class MultiHandle {
    let raw: UnsafeMutableRawPointer

    init() {
        guard let raw = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.raw = raw
    }

    deinit { curl_multi_cleanup(raw) }
}

/// The process's one HTTP engine: a dedicated `Thread` that runs `curl_multi_poll` for
/// every transfer of every `HTTPClient`.
///
/// Why a thread of its own: `curl_multi_poll` blocks, and blocking a Swift concurrency
/// thread (of which there may be only two) would stall every task in the process.
/// Callers only enqueue work under a lock and wake the loop with `curl_multi_wakeup`,
/// the one multi call libcurl allows from other threads; everything else about the
/// multi handle and the transfers in it happens on this thread, so none of it needs a
/// lock. `@unchecked Sendable` rests on exactly that split.
final class TransferLoop: @unchecked Sendable {
    typealias Completion = CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>

    /// Started on first use and never stopped: it sleeps in `curl_multi_poll` when idle.
    static let shared = TransferLoop()

    /// The per-host limit (`HTTPClient.configure`). Enforced here rather than with curl's
    /// CURLMOPT_MAX_HOST_CONNECTIONS: curl would queue the transfers itself, but with
    /// their easy handles already made (memory) and their timers already running (a
    /// queued health check would count its wait as latency and time out).
    static let maxConnectionsPerHost = Atomic<Int>(64)

    /// Work handed over by other threads, taken by the loop at each turn.
    private struct Inbox {
        var started: [(Transfer, Completion)] = []
        var cancelled: [Transfer] = []
    }

    private let inbox = Mutex(Inbox())
    private let multi: MultiHandle
    /// Transfers inside the multi handle, by easy handle. Loop thread only.
    private var active: [UnsafeMutableRawPointer: (transfer: Transfer, completion: Completion)] = [:]
    /// Per host: how many transfers are in the multi handle, and those waiting for one of
    /// them to finish, oldest first. Loop thread only.
    private var running: [String: Int] = [:]
    private var waiting: [String: [(transfer: Transfer, completion: Completion)]] = [:]

    private init() {
        let global = reconcile_global_init()
        precondition(global == CURLE_OK, "curl_global_init failed: \(String(cString: curl_easy_strerror(global)))")
        multi = MultiHandle()
        let thread = Thread { [self] in run() }
        thread.name = "reconcile.curl-multi"
        thread.start()
    }

    /// Hands `transfer` to the loop; `completion` is resumed exactly once, on the loop
    /// thread, with the response or the error.
    func start(_ transfer: Transfer, _ completion: Completion) {
        inbox.withLock { $0.started.append((transfer, completion)) }
        curl_multi_wakeup(multi.raw)
    }

    /// Asks the loop to abandon `transfer`. Safe at any time: before `start` (the flag
    /// makes `start` finish it at once), while it waits for a connection slot, during
    /// the transfer, or after it completed (then nothing happens).
    func cancel(_ transfer: Transfer) {
        transfer.requestCancel()
        inbox.withLock { $0.cancelled.append(transfer) }
        curl_multi_wakeup(multi.raw)
    }

    private func run() {
        var stillRunning: Int32 = 0
        while true {
            let work = inbox.withLock { inbox in
                defer { inbox = Inbox() }
                return (inbox.started, inbox.cancelled)
            }
            for (transfer, completion) in work.0 { enqueue(transfer, completion) }
            for transfer in work.1 { cancelWaiting(transfer) }
            for transfer in work.1 { if let easy = transfer.easy { finish(easy.raw, .failure(.cancelled())) } }
            curl_multi_perform(multi.raw, &stillRunning)
            collectCompleted()
            // Sleeps until a socket is ready, curl's next timeout, or a wakeup.
            curl_multi_poll(multi.raw, nil, 0, 1000, nil)
        }
    }

    /// Starts `transfer` when its host has a free slot, else queues it.
    private func enqueue(_ transfer: Transfer, _ completion: Completion) {
        if transfer.isCancelRequested {
            completion.resume(returning: .failure(.cancelled()))
            return
        }
        let limit = Self.maxConnectionsPerHost.load(ordering: .relaxed)
        if running[transfer.hostKey, default: 0] < limit {
            add(transfer, completion)
        } else {
            waiting[transfer.hostKey, default: []].append((transfer, completion))
        }
    }

    private func cancelWaiting(_ transfer: Transfer) {
        guard let index = waiting[transfer.hostKey]?.firstIndex(where: { $0.transfer === transfer }),
            let entry = waiting[transfer.hostKey]?.remove(at: index)
        else { return }
        entry.completion.resume(returning: .failure(.cancelled()))
    }

    private func add(_ transfer: Transfer, _ completion: Completion) {
        let easy: EasyHandle
        do {
            easy = try transfer.prepare()
        } catch {
            transfer.release()
            completion.resume(returning: .failure(error))
            return
        }
        let code = curl_multi_add_handle(multi.raw, easy.raw)
        guard code == CURLM_OK else {
            transfer.release()
            let text = String(cString: curl_multi_strerror(code))
            completion.resume(returning: .failure(HTTPError(kind: .transport, message: "curl_multi_add_handle: \(text)")))
            return
        }
        active[easy.raw] = (transfer, completion)
        running[transfer.hostKey, default: 0] += 1
    }

    private func collectCompleted() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi.raw, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                let transfer = active[handle]?.transfer
            else { continue }
            finish(handle, transfer.outcome(message.pointee.data.result))
        }
    }

    /// Takes the transfer out of the multi handle, resumes its caller and starts the next
    /// transfer waiting for its host. Does nothing for a handle that is no longer active,
    /// so late cancellations are harmless.
    private func finish(_ handle: UnsafeMutableRawPointer, _ result: Result<HTTPResponse, HTTPError>) {
        guard let entry = active.removeValue(forKey: handle) else { return }
        curl_multi_remove_handle(multi.raw, handle)
        entry.transfer.release()
        entry.completion.resume(returning: result)
        let host = entry.transfer.hostKey
        running[host, default: 1] -= 1
        if running[host] == 0 { running[host] = nil }
        while running[host, default: 0] < Self.maxConnectionsPerHost.load(ordering: .relaxed),
            let next = waiting[host]?.first
        {
            waiting[host]?.removeFirst()
            if waiting[host]?.isEmpty == true { waiting[host] = nil }
            enqueue(next.transfer, next.completion)
        }
    }
}
