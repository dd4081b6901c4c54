import Foundation
import TestSupport
import Testing

/// What `reconcile.timer` promises about a missed run, checked on its text: systemd keeps
/// a timer's last trigger and catches up a run missed while the host was down
/// (`Persistent=true`) only for `OnCalendar=` triggers (systemd.timer(5)); with the
/// monotonic ones (`OnUnitActiveSec=`, `OnBootSec=`…) the setting does nothing. The
/// calendar is read by `systemd-analyze calendar`, as systemd reads it.
enum TimerUnit {
    /// The `[Timer]` section's settings, each with its values in order.
    static func timerSettings(_ text: String) -> [String: [String]] {
        var settings: [String: [String]] = [:]
        var inTimer = false
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("[") { inTimer = line == "[Timer]" }
            guard inTimer, !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            settings[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
        }
        return settings
    }

    /// Expects `text` to trigger on a calendar every `minutes` minutes with a missed run
    /// caught up, and no monotonic trigger beside it.
    static func expectMissedRunsCatchUp(_ text: String, everyMinutes minutes: Int) async throws {
        let settings = timerSettings(text)
        #expect(settings["Persistent"] == ["true"], "\(settings)")
        for monotonic in ["OnActiveSec", "OnBootSec", "OnStartupSec", "OnUnitActiveSec", "OnUnitInactiveSec"] {
            #expect(settings[monotonic] == nil, "\(monotonic)= is not persisted: a missed run would not happen")
        }
        let calendar = try #require(settings["OnCalendar"]?.first, "\(settings)")
        let analyzed = try await offPool {
            try run("systemd-analyze", ["calendar", "--iterations=4", calendar], environment: ["TZ": "UTC"])
        }
        #expect(analyzed.status == 0, "\(analyzed.allOutput)")
        let parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.timeZone = TimeZone(identifier: "UTC")
        parser.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let elapses = analyzed.stdout.split(separator: "\n").compactMap { line -> Date? in
            guard line.contains("Next elapse:") || line.contains("Iter. #") else { return nil }
            let words = line.split(separator: " ")
            guard words.count >= 3 else { return nil }
            return parser.date(from: words[words.count - 3] + " " + words[words.count - 2])
        }
        #expect(elapses.count == 4, "\(analyzed.stdout)")
        let gaps = zip(elapses.dropFirst(), elapses).map { $0.timeIntervalSince($1) }
        #expect(gaps == Array(repeating: Double(minutes * 60), count: 3), "\(analyzed.stdout)")
    }
}
