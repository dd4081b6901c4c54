import ArgumentParser
import Foundation
import Logging
import ReconcileKit

/// `reconcile [run]`: observe, compare, report.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Check the live environment against the manifest (the default command).",
        discussion: """
            Without --dry-run reconcile applies the fixes the manifest's apply: policy allows, \
            re-observes everything, and undoes its own actions when a verify checker got worse. \
            A manifest without apply: changes nothing.

            Every run is remembered in the state directory (the last report and the last \
            \(RunHistory.limit) runs).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, github, prometheus, sarif, junit
    }

    @OptionGroup var options: RunOptions

    @Option(
        name: .long,
        help:
            "Report format: text (for people), json (versioned, for machines), github (annotations), prometheus (metrics), sarif (code scanning), junit (CI test reports)."
    )
    var format: Format = .text

    @Flag(name: .shortAndLong, help: "Print nothing when everything is in sync (for cron); only drift and unknown otherwise.")
    var quiet = false

    func run() async throws {
        let deadline = try options.source.startDeadline()
        let record = await options.reconcile(logger: makeLogger(verbose: options.verbose), deadline: deadline) { printError($0) }
        guard let report = record.report else { throw ExitCode(1) }
        let output: String
        switch format {
        case .json:
            output = JSONReportRenderer.render(report)
        case .github:
            output = gitHubStep(GitHubAnnotations.of(report))
        case .prometheus:
            output = PrometheusRenderer.render(record, lastSuccess: record.finishedAt)
        case .sarif:
            output = SARIFRenderer.render(CheckResult.results(of: report))
        case .junit:
            output = JUnitRenderer.render(
                CheckResult.results(of: report), timestamp: record.finishedAt,
                properties: [("ref", report.source.ref), ("commit", report.source.commit ?? "")])
        case .text:
            output =
                quiet && report.status == .ok
                ? "" : TextReportRenderer(color: Terminal.wantsColor, hideOK: quiet, width: Terminal.width).render(report)
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if record.exitCode != 0 { throw ExitCode(record.exitCode) }
    }
}

func makeLogger(verbose: Bool) -> Logger {
    var logger = Logger(label: "reconcile") { label in StreamLogHandler.standardError(label: label) }
    logger.logLevel = verbose ? .debug : .warning
    return logger
}
