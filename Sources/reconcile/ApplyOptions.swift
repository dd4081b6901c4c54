import ArgumentParser
import Foundation
import ReconcileKit
import Synchronization

/// The options and the terminal side of apply mode (`reconcile` without `--dry-run`):
/// the journal, the lock, consent, and signals. The pipeline itself is
/// `ReconcileKit.ApplyRunner`.
struct ApplyOptions: ParsableArguments {
    @Flag(name: .long, help: "Apply without asking, even on a terminal.")
    var yes = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Append one JSON line per applied action here.",
            discussion: "Default: journal.jsonl in the state directory (--state-dir).",
            valueName: "file"))
    var journal: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Wait up to this long for another apply to finish (default: exit 1 at once).",
            discussion: "The lock is the host's: apply.lock in the standard state directory "
                + "(/var/lib/reconcile as root), whatever --journal or --state-dir a run names.",
            valueName: "seconds"))
    var lockWait: Double = 0

    func validate() throws {
        guard lockWait >= 0 else { throw ValidationError("--lock-wait must not be negative") }
    }

    /// Why apply could not start: the lock is held, or the journal cannot be written.
    struct Unavailable: Error {
        let message: String
    }

    /// Takes the host's lock (in the standard state directory, never beside `--journal`
    /// or in `--state-dir`, so runs naming other ones still take turns), opens the journal
    /// (`--journal`, else the state directory's),
    /// watches SIGTERM/SIGINT/SIGHUP (`takingSignals`; not in `reconcile serve`, whose agent
    /// owns them and lets the apply finish), runs the pipeline. The lock is waited for
    /// within what is left of `deadline` (the watchdog no longer watches an apply), and
    /// not after a signal.
    /// - Throws: `Unavailable` when the lock is held, the wait was interrupted, or the
    ///   journal cannot be written.
    func run(
        state: StateDirectory, deadline: RunDeadline, takingSignals: Bool = true,
        _ runner: (Journal, Interruption) async -> ApplyRunner.Result
    ) async throws -> ApplyRunner.Result {
        let interruption = takingSignals ? SignalWatch.install() : Interruption()
        let journalPath = journal ?? state.journal
        let lock: ApplyLock
        let journal: Journal
        let wait = Duration.milliseconds(Int(lockWait * 1000))
        let left = deadline.remaining
        do {
            journal = try Journal(path: journalPath)
            lock = try await ApplyLock.acquire(
                StateDirectory.standard().applyLock, wait: min(wait, left), interruption: interruption)
        } catch let busy as ApplyLockBusy where wait > left {
            throw Unavailable(message: "\(busy); stopped waiting at the run's --deadline of \(deadline.budget.secondsText)")
        } catch {
            throw Unavailable(message: "\(error)")
        }
        let result = await runner(journal, interruption)
        withExtendedLifetime(lock) {}
        return result
    }

    /// Consent: on a terminal without `--yes`, show the allowed actions and ask.
    /// Elsewhere (cron, CI) the manifest's policy is the consent.
    func confirm(_ plan: Plan) -> Bool {
        guard !yes, isatty(STDIN_FILENO) == 1 else { return true }
        let steps = plan.allowed
        var text = "reconcile will apply:\n"
        for step in steps { text += "  \(step.action.summary)\n" }
        text += "Apply \(steps.count) action\(steps.count == 1 ? "" : "s")? [y/N] "
        FileHandle.standardError.write(Data(text.utf8))
        SignalWatch.prompting.store(true, ordering: .sequentiallyConsistent)
        defer { SignalWatch.prompting.store(false, ordering: .sequentiallyConsistent) }
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return answer == "y" || answer == "yes"
    }
}

/// SIGTERM, SIGINT and SIGHUP during an apply: after ``ChildProcessGroups`` killed the
/// children's groups (the same path as outside apply mode), recorded in the
/// `Interruption` (the pipeline finishes or undoes the action in flight, writes the
/// journal, exits 1), instead of killing the process between a change and its journal
/// line. At the prompt nothing has been changed yet, so a signal ends the run at once.
enum SignalWatch {
    static let prompting = Atomic<Bool>(false)
    static let interruption = Interruption()

    /// Takes SIGTERM, SIGINT and SIGHUP over for the rest of the process and returns the
    /// interruption they report to.
    static func install() -> Interruption {
        ChildProcessGroups.shared.handOverInterrupts { number in
            if SignalWatch.prompting.load(ordering: .sequentiallyConsistent) {
                FileHandle.standardError.write(Data("\nnothing applied\n".utf8))
                _exit(1)
            }
            // Said at once: the run may still need a while (the step in flight, its
            // verify, the undo), and whoever pressed Ctrl-C should know it was heard.
            if SignalWatch.interruption.request(number) {
                FileHandle.standardError.write(
                    Data("reconcile: signal \(number) received: finishing the step in flight, then undoing what was applied\n".utf8))
            }
        }
        return interruption
    }
}
