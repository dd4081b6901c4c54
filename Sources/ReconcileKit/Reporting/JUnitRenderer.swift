import Foundation

/// JUnit XML (GitLab's and Jenkins' test reports): one testsuite per checker, one
/// testcase per resource, `<failure>` for drift (or an invalid manifest, a
/// contradiction) and `<error>` for what could not be observed. Shaped by the Ant JUnit
/// schema (windyroad JUnit.xsd) the tests validate it against. Pure; every text is
/// escaped by `UntrustedText` (controls visible, then XML's five characters).
public enum JUnitRenderer {
    /// - Parameter timestamp: when the run happened (the schema wants local time
    ///   without a zone, to the second).
    public static func render(_ results: [CheckResult], timestamp: Date, properties: [(String, String)] = []) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        let when = formatter.string(from: timestamp)
        var order: [String] = []
        for result in results where !order.contains(result.suite) { order.append(result.suite) }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
        for (index, suite) in order.enumerated() {
            let cases = results.filter { $0.suite == suite }
            let failures = cases.filter { $0.outcome == .failed }.count
            let errors = cases.filter { $0.outcome == .errored }.count
            xml +=
                "  <testsuite package=\"reconcile\" id=\"\(index)\" name=\(attribute(suite)) timestamp=\"\(when)\" hostname=\"localhost\" "
                + "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"0\">\n"
            xml += "    <properties>\n"
            xml += properties.map { "      <property name=\(attribute($0.0)) value=\(attribute($0.1))/>\n" }.joined()
            xml += "    </properties>\n"
            for result in cases {
                xml += "    <testcase name=\(attribute(result.name)) classname=\(attribute("reconcile.\(suite)")) time=\"0\""
                let body =
                    (result.position.map { "\($0.file):\($0.line):\($0.column)\n" } ?? "")
                    + (result.detail.isEmpty ? "" : result.detail + "\n")
                switch result.outcome {
                case .passed:
                    xml += "/>\n"
                case .failed, .errored:
                    let element = result.outcome == .failed ? "failure" : "error"
                    xml +=
                        ">\n      <\(element) type=\(attribute(result.ruleID)) message=\(attribute(result.message))>\(text(body))</\(element)>\n    </testcase>\n"
                }
            }
            xml += "    <system-out></system-out>\n    <system-err></system-err>\n  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    static func attribute(_ value: String) -> String { "\"\(text(value))\"" }

    static func text(_ value: String) -> String { UntrustedText.html(value, limit: JSONReportRenderer.fieldLimit) }
}
