import ArgumentParser
import Foundation
import ReconcileKit

/// The `reconcile` command: the default subcommand runs the checks (`run`), `validate`
/// checks manifests for pull requests.
@main
struct Reconcile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Compare a Caddy + Docker + Django stack with the desired state kept in git.",
        discussion: """
            The desired state is a YAML manifest (apiVersion: reconcile/v1) in a git repository, \
            read at a ref without checking it out. Each section (\(registry.sectionKeys.joined(separator: ", "))) \
            is checked by its checker against the live environment; every divergence is reported \
            with what was expected, what was observed, and a concrete fix.

            Exit codes: 0 in sync, 2 drift found, 3 nothing drifted but some checks could not \
            observe, 1 error (bad flags, bad manifest, git failure).

            Examples:
              reconcile --dry-run              manifests/*.yaml at HEAD, here
              reconcile --dry-run --worktree   test an uncommitted edit
              reconcile --repo https://git.example.com/ops.git --ref origin/main
              reconcile --require-signed --allowed-signers /etc/reconcile/allowed_signers --ref origin/main
                                               only a commit signed by an allowed SSH key (or --gpg-keyring FILE)
              reconcile validate --format github
              reconcile discover --caddy http://127.0.0.1:2019 -o manifests/edge.yaml
            """,
        version: BuildVersion.text,
        subcommands: [
            RunCommand.self, ValidateCommand.self, PlanCommand.self, DiscoverCommand.self, ServeCommand.self, SchemaCommand.self,
        ],
        defaultSubcommand: RunCommand.self
    )

    /// Usage errors exit 1 (the contract), not ArgumentParser's 64. SIGTERM, SIGINT and
    /// SIGHUP are taken over first, on the main thread (the one thread that does not
    /// block them already), so they kill every child's process group before reconcile ends.
    static func main() async {
        _ = Watchdog.processStart
        ChildProcessGroups.shared.stopChildrenOnTermination()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success || code.rawValue == 2 || code.rawValue == 3 || error is ExitCode {
                if let exit = error as? ExitCode { Termination.exit(exit.rawValue) }
                exit(withError: error)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { printError(message) }
            Termination.exit(1)
        }
        Termination.exit(0)
    }
}
