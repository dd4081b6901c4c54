import ReconcileKit

/// Judges the requests sent through Caddy (`probes: true`): a config can look right
/// and still fail users (the root directory is empty, the upstream is down), so the
/// probes prove behaviour, not configuration. Pure, like the rest of `compare`.
enum CaddyProbeVerdict {
    static func finding(_ probe: CaddyProbeResult) -> Finding {
        let hosts = CaddyText.onHosts(probe.hosts)
        var finding = Finding(
            checker: CaddyComparison.checker, resource: probe.route.text, status: .drift, severity: .error,
            message: "", position: probe.position)
        switch (probe.purpose, probe.outcome) {
        case (_, .skipped(let reason)):
            finding.status = .unknown
            finding.severity = .warning
            finding.message = "probe\(hosts) not sent: \(reason)"
        case (_, .failure(let message)):
            finding.severity = .critical
            finding.observed = message
            finding.message = "probe\(hosts): GET \(probe.url) got no answer: \(message)"
            finding.fix = Fix(
                summary: "Nothing answers at caddy.listen: is Caddy serving on that address? Correct listen, or "
                    + "start Caddy.")
        case (.file(let localPath, let size, let digest), .response(let status, let bodySize, let bodyDigest, let excerpt)):
            finding.expected = "200 with the \(size) bytes of \(localPath)"
            finding.observed = "\(status), \(bodySize) bytes" + (excerpt.isEmpty ? "" : ": \"\(excerpt)\"")
            if status == 200 && bodySize == size && bodyDigest == digest {
                finding.status = .ok
                finding.severity = .info
                finding.message = "probe\(hosts): GET \(probe.url) served \(localPath)"
            } else if status == 200 {
                finding.message = "probe\(hosts): GET \(probe.url) answered 200 but not with the bytes of \(localPath)"
                finding.fix = Fix(
                    summary: "Caddy serves this path from another directory (or the SPA fallback): check the "
                        + "route's root and whether its prefix is stripped (handle_path).")
            } else {
                finding.message = "probe\(hosts): GET \(probe.url) answered \(status), expected 200 with \(localPath)"
                finding.fix = Fix(
                    summary: "With the prefix stripped (handle_path), /media/x is served from ROOT/x; without, from "
                        + "ROOT/media/x. A 404 usually means the root or the strip is wrong.")
            }
        case (.upstream, .response(let status, _, _, let excerpt)):
            finding.expected = "an answer from the upstream (not 502, 503 or 504)"
            finding.observed = "\(status)" + (excerpt.isEmpty ? "" : ": \"\(excerpt)\"")
            if (502...504).contains(status) {
                finding.message =
                    "probe\(hosts): GET \(probe.url) answered \(status): Caddy cannot get an answer "
                    + "from the upstream"
                finding.fix = Fix(
                    summary: "The backend is down or reverse_proxy points at the wrong address or port: start it "
                        + "(e.g. the container) or correct the upstream.")
            } else {
                finding.status = .ok
                finding.severity = .info
                finding.message = "probe\(hosts): GET \(probe.url) answered \(status) from the upstream"
            }
        }
        return finding
    }
}
