import Foundation

/// The judgement of one external checker's run: the compare half of its check, pure, so
/// unit tests replay recorded outputs.
///
/// A plugin is untrusted code answering over a pipe, so only a well-formed answer from a
/// program that exited 0 in time counts, and everything else is an `unknown` finding that
/// says what went wrong, never `ok`: not started (refused, missing), killed at the
/// deadline, killed by a signal, a non-zero exit (with the start of its stderr), more than
/// ``ExternalCheck/outputLimit`` bytes, an answer that is not protocol 1's JSON, a finding
/// with a status other than `ok`, `drift` or `unknown` (that finding alone), no findings at
/// all, and anything written to stderr beside a good answer (one more `unknown`). Its text
/// reaches the reports like any live service's: escaped and capped by the renderers,
/// secrets masked.
struct PluginAnswer {
    let plugin: String
    let position: SourcePosition

    /// The most characters of the plugin's stdout or stderr quoted in a message.
    static let quoteLimit = 300

    func findings(from run: PluginRun) -> [Finding] {
        if let failure = run.failure { return [unknown(failure)] }
        let errors = run.stderr.isEmpty ? "" : "; stderr: " + Self.quote(run.stderr)
        let findings: [Finding]
        do {
            findings = try parse(run.stdout)
        } catch {
            let answer = run.stdout.isEmpty ? "nothing" : Self.quote(run.stdout)
            return [unknown("answered malformed JSON (\(error.message)); it answered: \(answer)" + errors)]
        }
        if findings.isEmpty { return [unknown("answered no findings: nothing was checked" + errors)] }
        return findings + (run.stderr.isEmpty ? [] : [unknown("wrote to stderr: " + Self.quote(run.stderr), severity: .warning)])
    }

    /// The answer's findings; a finding that breaks the protocol becomes `unknown`.
    private func parse(_ stdout: Data) throws(Malformed) -> [Finding] {
        guard let object = try? JSONSerialization.jsonObject(with: stdout) else { throw Malformed("not JSON") }
        guard let answer = object as? [String: Any] else { throw Malformed("not a JSON object") }
        if let key = answer.keys.sorted().first(where: { $0 != "findings" }) { throw Malformed("unknown key '\(Self.short(key))'") }
        guard let items = answer["findings"] as? [Any] else { throw Malformed("no findings list") }
        return items.enumerated().map { index, item in
            do throws(Malformed) {
                return try finding(item)
            } catch {
                let resource = ((item as? [String: Any])?["resource"] as? String).flatMap { $0.isEmpty ? nil : $0 }
                return Finding(
                    checker: plugin, resource: resource ?? "findings[\(index)]", status: .unknown, severity: .error,
                    message: "the plugin's findings[\(index)] is malformed: \(error.message)", position: position)
            }
        }
    }

    private func finding(_ item: Any) throws(Malformed) -> Finding {
        guard let fields = item as? [String: Any] else { throw Malformed("not a JSON object") }
        let allowed = ["resource", "status", "expected", "observed", "message", "fix"]
        if let key = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Malformed("unknown key '\(Self.short(key))' (allowed: \(allowed.joined(separator: ", ")))")
        }
        guard let resource = fields["resource"] as? String, !resource.isEmpty else {
            throw Malformed("resource must be a non-empty string")
        }
        guard let word = fields["status"] as? String else { throw Malformed("status must be a string") }
        guard let status = Status(rawValue: word) else {
            throw Malformed("status '\(Self.short(word))' is not one of \(Status.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let message = fields["message"] as? String else { throw Malformed("message must be a string") }
        return Finding(
            checker: plugin, resource: resource, status: status,
            expected: try Self.optionalString(fields, "expected"), observed: try Self.optionalString(fields, "observed"),
            message: message, fix: try fix(fields["fix"]), position: position)
    }

    private func fix(_ value: Any?) throws(Malformed) -> Fix? {
        guard let value, !(value is NSNull) else { return nil }
        guard let fields = value as? [String: Any] else { throw Malformed("fix must be an object or null") }
        if let key = fields.keys.sorted().first(where: { !["summary", "snippet", "language"].contains($0) }) {
            throw Malformed("unknown key 'fix.\(Self.short(key))' (allowed: summary, snippet, language)")
        }
        guard let summary = fields["summary"] as? String else { throw Malformed("fix.summary must be a string") }
        return Fix(
            summary: summary, snippet: try Self.optionalString(fields, "snippet", in: "fix."),
            language: try Self.optionalString(fields, "language", in: "fix."))
    }

    private static func optionalString(_ fields: [String: Any], _ key: String, in prefix: String = "") throws(Malformed) -> String? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw Malformed("\(prefix)\(key) must be a string or null") }
        return text
    }

    private func unknown(_ reason: String, severity: Severity = .error) -> Finding {
        Finding(
            checker: plugin, resource: plugin, status: .unknown, severity: severity,
            message: "the external checker \(plugin) \(reason)", position: position)
    }

    /// The start of what a plugin wrote, escaped, for a message.
    static func quote(_ data: Data) -> String {
        UntrustedText.excerpt(
            String(decoding: data.prefix(quoteLimit * 4), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
            limit: quoteLimit)
    }

    static func short(_ text: String) -> String { UntrustedText.excerpt(text, limit: 40) }

    struct Malformed: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }
}

extension PluginRun {
    /// Why this run's output cannot be read as an answer (not started, killed, a non-zero
    /// exit, too much output), with the start of its stderr; nil when it can.
    var failure: String? {
        if let notStarted { return notStarted }
        let errors = stderr.isEmpty ? "" : "; stderr: " + PluginAnswer.quote(stderr)
        if timedOut { return "did not answer within its deadline of \(deadline.secondsText) and was killed" + errors }
        if let signal { return "was killed by signal \(signal)" + errors }
        if status != 0 { return "exited with status \(status)" + errors }
        if stdout.count > ExternalCheck.outputLimit || stderr.count > ExternalCheck.outputLimit {
            return "wrote more than \(ExternalCheck.outputLimit) bytes; its answer was not read"
        }
        return nil
    }
}
