import Foundation
import ReconcileKit

/// Sends real requests through Caddy (`probes: true`) to prove the desired routes
/// behave, not just that the config says so: a file under a `file_server` root is
/// served at its URL (with the prefix stripped when the route strips it), and a
/// proxied path does not answer 502/503/504.
///
/// Only reads: GETs to `caddy.listen`, with the site's host in the `Host` header, and
/// a directory listing plus one small file under each root (reconcile runs on the
/// Caddy host, so the root is a local directory; when it is not, the probe says so).
enum CaddyProbes {
    /// Files larger than this are not used as probe targets.
    static let maxFileBytes = 1 << 20
    static let timeout: Duration = .seconds(10)

    /// One planned request: where, with which Host, and what it proves.
    struct Plan: Sendable {
        var route: PathPattern
        var hosts: [String]
        var requestPath: String
        var purpose: CaddyProbeResult.Purpose?
        var skipped: String?
        var position: SourcePosition
    }

    static func run(_ sites: [DesiredSite], listen: HTTPEndpoint, client: HTTPClient) async -> [CaddyProbeResult] {
        let plans = sites.flatMap { site in site.routes.compactMap { plan($0, hosts: site.hosts) } }
        return await withTaskGroup(of: (Int, CaddyProbeResult).self) { group in
            for (index, plan) in plans.enumerated() {
                group.addTask { (index, await send(plan, listen: listen, client: client)) }
            }
            var results: [(Int, CaddyProbeResult)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// What to request for one desired route; nil when the route is not probed (fixed
    /// answers, conditional routes, suffix or glob paths).
    static func plan(_ route: DesiredRoute, hosts: [String]) -> Plan? {
        guard route.conditions.isEmpty, let base = route.path.probePath else { return nil }
        var plan = Plan(route: route.path, hosts: hosts, requestPath: base, position: route.position)
        switch route.handler {
        case .reverseProxy:
            plan.purpose = .upstream
            return plan
        case .fileServer(let root?) where !root.contains("{"):
            // The directory a request below `base` is served from.
            var relative = base
            if let strip = route.stripPrefix, relative.hasPrefix(strip) { relative.removeFirst(strip.count) }
            let directory = CaddyComparison.normalizedRoot(root)! + (relative.hasPrefix("/") ? "" : "/") + relative
            if route.path.kind == .exact {
                plan.purpose = fileFacts(directory)
                if plan.purpose == nil { plan.skipped = "cannot read \(directory) on this host to compare with" }
                return plan
            }
            switch pickFile(in: directory) {
            case .success(let name):
                let encoded = name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name
                plan.requestPath = base + (base.hasSuffix("/") ? "" : "/") + encoded
                let local = directory + (directory.hasSuffix("/") ? "" : "/") + name
                plan.purpose = fileFacts(local)
                if plan.purpose == nil { plan.skipped = "cannot read \(local)" }
            case .failure(let reason):
                plan.skipped = reason.text
            }
            return plan
        default:
            return nil
        }
    }

    struct Reason: Error {
        let text: String
    }

    /// The first regular, non-hidden file (by name) of at most `maxFileBytes`.
    static func pickFile(in directory: String) -> Result<String, Reason> {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            return .failure(
                Reason(
                    text: "cannot list \(directory) on this host to pick a file to request (probes read the root "
                        + "locally: is Caddy's root on this host?)"))
        }
        for name in names where !name.hasPrefix(".") {
            let path = directory + (directory.hasSuffix("/") ? "" : "/") + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                attributes[.type] as? FileAttributeType == .typeRegular,
                let size = attributes[.size] as? NSNumber, size.intValue <= maxFileBytes
            else { continue }
            return .success(name)
        }
        return .failure(Reason(text: "no file of at most 1 MiB in \(directory) to request"))
    }

    static func fileFacts(_ path: String) -> CaddyProbeResult.Purpose? {
        guard let data = FileManager.default.contents(atPath: path), data.count <= maxFileBytes else { return nil }
        return .file(localPath: path, size: data.count, digest: fnv1a(data))
    }

    static func send(_ plan: Plan, listen: HTTPEndpoint, client: HTTPClient) async -> CaddyProbeResult {
        var request = listen.request(plan.requestPath)
        let url = request.url
        func result(_ purpose: CaddyProbeResult.Purpose, _ outcome: CaddyProbeResult.Outcome) -> CaddyProbeResult {
            CaddyProbeResult(
                route: plan.route, hosts: plan.hosts, url: url, purpose: purpose, outcome: outcome,
                position: plan.position)
        }
        guard let purpose = plan.purpose else {
            return result(.upstream, .skipped(plan.skipped ?? "nothing to request"))
        }
        request.timeout = timeout
        request.maxBodyBytes = maxFileBytes + 1
        if let host = plan.hosts.first(where: { !$0.contains("*") }) {
            request.headers.append(HTTPHeader("Host", host))
        }
        do {
            let response = try await client.send(request)
            let excerpt = CaddyText.excerpt(
                String(decoding: response.body.prefix(120), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                limit: 60)
            return result(
                purpose,
                .response(status: response.status, size: response.body.count, digest: fnv1a(response.body), excerpt: excerpt))
        } catch {
            return result(purpose, .failure(error.message))
        }
    }
}
