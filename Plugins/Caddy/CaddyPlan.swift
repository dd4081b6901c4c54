import Foundation
import ReconcileKit

/// One request of a Caddy repair on the admin API: a method on a config path, with the
/// JSON body to send.
struct CaddyEdit: Codable, Hashable {
    var method: String
    var path: String
    var body: String?
}

/// What a Caddy action carries from the plan to `apply` (its `payload`).
struct CaddyFix: Codable, Hashable {
    /// The ETag of the config the plan was made from (`If-Match`).
    var etag: String?
    /// Requests on routes, in order; or a whole config to `POST /load`.
    var edits: [CaddyEdit] = []
    var load: String?
    /// The Caddyfile (a repository path) to also write to `writeTo`.
    var caddyfile: String?
    var writeTo: String?
}

/// The pure half of Caddy's repairs: which admin-API requests make the live routes read
/// as desired, from the same pairing the comparison did.
///
/// - Routes in `caddy.sites`: change exactly the part that differs, at its JSON path
///   (root, upstreams, prefix strip, handler); insert a missing route before the first
///   live route that would answer its requests or that the manifest lists after it.
///   Unmanaged routes are never deleted; a shadowed route is not reordered (that is a
///   Caddyfile edit people should make). A root or strip that comes from a wider scope
///   than the route (a site-wide `root *`) is set on the route's own handler instead, so
///   no other route changes.
/// - `caddy.caddyfile`: `POST /load` of the adapted Caddyfile, which Caddy validates and
///   swaps atomically.
enum CaddyPlan {
    static func remedies(_ spec: CaddySpec, _ observation: CaddyObservation, _ findings: [Finding]) -> [Int: Remedy] {
        guard let live = observation.liveRoutes.table else { return [:] }
        let byKey: [String: Remedy]
        switch spec.desired {
        case .caddyfile(let path, _):
            guard case .adapted(let json)? = observation.caddyfile?.result else { return [:] }
            let action = Action(
                checker: CaddyComparison.checker, resource: path,
                summary: "POST caddy /load \(path)" + (spec.writeCaddyfile.map { " and write it to \($0)" } ?? ""),
                before: "the live config", after: "\(path) adapted",
                permission: "caddy",
                payload: encode(
                    CaddyFix(
                        etag: observation.liveETag, load: String(decoding: json, as: UTF8.self), caddyfile: path,
                        writeTo: spec.writeCaddyfile)))
            var result: [Int: Remedy] = [:]
            for (index, finding) in findings.enumerated() where finding.status == .drift && finding.expected != "no route" {
                result[index] = .action(action)
            }
            return result
        case .sites(let sites):
            // Only the routes that drifted need a repair (most of 1,000 are in sync).
            let drifted = Set(findings.indices.compactMap { driftKey(findings[$0]) })
            byKey = drifted.isEmpty ? [:] : routeRemedies(sites, live: live, etag: observation.liveETag, only: drifted)
        }
        var result: [Int: Remedy] = [:]
        for index in findings.indices where findings[index].status == .drift {
            if findings[index].expected == "no route" {
                result[index] = .manual("unmanaged routes are never deleted; declare it in caddy.sites or remove it by hand")
            } else if let key = driftKey(findings[index]), let remedy = byKey[key] {
                result[index] = remedy
            }
        }
        return result
    }

    /// The `routeKey` of a drifted desired route's finding; nil for other findings.
    static func driftKey(_ finding: Finding) -> String? {
        guard finding.status == .drift, finding.expected != "no route", let position = finding.position else { return nil }
        return routeKey(finding.resource, position, expected: finding.expected ?? "")
    }

    /// The repair of every desired route that needs one, by `routeKey`. `apply` calls
    /// it again on the config as it is just before each action, so the JSON paths are
    /// always those of the current config (an inserted route moves its later siblings).
    /// With `only`, just the routes of those keys.
    static func routeRemedies(
        _ sites: [CaddySiteSpec], live: CaddyRouteTable, etag: String?, only: Set<String>? = nil
    ) -> [String: Remedy] {
        var byKey: [String: Remedy] = [:]
        for site in sites.map(DesiredSite.from) {
            let candidates = CaddyComparison.candidates(for: site, in: live)
            // One view and analysis per live site, not per route (1,000 routes: 1.7 s → ms),
            // the same the comparison made.
            let analysis = candidates.count == 1 ? live.analysis(of: candidates[0]) : ViewAnalysis([])
            let view = analysis.view
            for route in site.routes {
                let key = routeKey(route.path.text, route.position, expected: CaddyText.describe(route))
                if let only, !only.contains(key) { continue }
                guard candidates.count == 1, let liveSite = candidates.first else {
                    let hosts = site.hosts.isEmpty ? "any host" : site.hosts.joined(separator: ", ")
                    byKey[key] = .manual(
                        candidates.isEmpty
                            ? "no live site block serves \(hosts); add the site to the Caddyfile"
                            : "several live servers serve these hosts; change the route in each by hand")
                    continue
                }
                byKey[key] = remedy(route, in: site, view: view, analysis: analysis, site: liveSite, etag: etag)
            }
        }
        return byKey
    }

    static func routeKey(_ path: String, _ position: SourcePosition, expected: String) -> String {
        "\(path)\u{0}\(position)\u{0}\(expected)"
    }

    /// The repair of one desired route, or nil when it is in sync.
    static func remedy(
        _ route: DesiredRoute, in desired: DesiredSite, view: [CaddyRoute], analysis: ViewAnalysis, site: CaddySite,
        etag: String?
    ) -> Remedy? {
        let siteRoutes =
            view.first { $0.hosts == site.hosts }?.siteRoutesJSONPath
            ?? "/config/apps/http/servers/\(site.server)/routes"
        let label = "caddy route \(route.path)\(CaddyText.onHosts(desired.hosts))"
        let expected = CaddyText.describe(route)
        if route.middlewareOnly || !route.expectations.isEmpty || !route.conditions.isEmpty {
            return .manual("a route with middleware or matchers is changed in the Caddyfile (the block below)")
        }
        guard let index = analysis.route(forKey: route.pairingKey) else {
            if view.contains(where: { $0.kind == .responder && $0.path.key == route.path.key }) {
                return .manual("the live route answers only some requests; drop its extra matcher by hand")
            }
            let at = insertionIndex(route, desired: desired, view: view, analysis: analysis, siteRoutes: siteRoutes)
            let edit =
                at.map { CaddyEdit(method: "PUT", path: "\(siteRoutes)/\($0)", body: routeJSON(route)) }
                ?? CaddyEdit(method: "POST", path: siteRoutes, body: routeJSON(route))
            return .action(
                Action(
                    checker: CaddyComparison.checker, resource: route.path.text,
                    summary: "PUT \(label) → \(expected)", before: "missing", after: expected, permission: "caddy",
                    payload: encode(CaddyFix(etag: etag, edits: [edit]))))
        }
        let live = view[index]
        if analysis.shadower(of: index) != nil {
            return .manual("an earlier, broader route answers its requests first; reorder the routes in the Caddyfile")
        }
        let differences = CaddyComparison.differences(route, live)
        guard !differences.isEmpty else { return nil }
        var edits: [CaddyEdit] = []
        var inserts: [CaddyEdit] = []
        var parts: [String] = []
        for difference in differences {
            switch (difference.kind, route.handler) {
            case (.upstreams, .reverseProxy(let upstreams, _)):
                edits.append(CaddyEdit(method: "PATCH", path: difference.jsonPath, body: upstreamsValue(upstreams).canonicalText))
                parts.append("upstreams → \(upstreams.joined(separator: " "))")
            case (.root, .fileServer(let root?)):
                // A root from a wider scope is set on the route's own handler instead.
                let own = live.rootJSONPath.flatMap { isOwn($0, of: live) ? $0 : nil }
                edits.append(
                    CaddyEdit(
                        method: own == nil ? "POST" : "PATCH", path: own ?? live.handlerJSONPath + "/root",
                        body: JSONValue.string(root).canonicalText))
                parts.append("root → \(root)")
            case (.handler, _), (.response, _):
                edits.append(CaddyEdit(method: "PATCH", path: live.handlerJSONPath, body: handlerValue(route.handler).canonicalText))
                parts.append("handler → \(CaddyText.describe(route.handler, rootChecked: route.rootChecked))")
            case (.strip, _):
                switch (route.stripPrefix, live.stripJSONPath) {
                case (let prefix?, nil):
                    let rewrite = JSONValue.object(["handler": .string("rewrite"), "strip_path_prefix": .string(prefix)])
                    inserts.append(CaddyEdit(method: "PUT", path: live.handlerJSONPath, body: rewrite.canonicalText))
                    parts.append("strip \(prefix)")
                case (let prefix?, let stripPath?) where isOwn(stripPath, of: live):
                    edits.append(CaddyEdit(method: "PATCH", path: stripPath, body: JSONValue.string(prefix).canonicalText))
                    parts.append("strip \(prefix)")
                case (nil, let stripPath?) where isOwn(stripPath, of: live):
                    edits.append(CaddyEdit(method: "DELETE", path: stripPath, body: nil))
                    parts.append("no strip")
                default:
                    return .manual("the prefix strip comes from an enclosing block shared with other routes; change it in the Caddyfile")
                }
            default:
                return .manual("\(difference.text) can only come from a Caddyfile; change it there")
            }
        }
        return .action(
            Action(
                checker: CaddyComparison.checker, resource: route.path.text,
                summary: "PATCH \(label) \(parts.joined(separator: ", "))",
                before: CaddyText.describe(live.handler, strip: live.stripPrefix), after: expected,
                permission: "caddy",
                // Inserting a handler shifts the ones after it: the edits by path come first.
                payload: encode(CaddyFix(etag: etag, edits: edits + inserts))))
    }

    /// True when the value at `path` belongs to this route alone (inside the route that
    /// matches its path), not to a site-wide scope that other routes inherit.
    static func isOwn(_ path: String, of route: CaddyRoute) -> Bool {
        path.hasPrefix(route.routeJSONPath + "/") && !route.siteRoutesJSONPath.hasPrefix(route.routeJSONPath + "/")
    }

    /// Where in the site's route list a missing route goes: before the first live route
    /// that would answer its requests, and before any route the manifest lists after it;
    /// nil to append.
    static func insertionIndex(
        _ route: DesiredRoute, desired: DesiredSite, view: [CaddyRoute], analysis: ViewAnalysis, siteRoutes: String
    ) -> Int? {
        func topIndex(_ path: String) -> Int? {
            guard path.hasPrefix(siteRoutes + "/") else { return nil }
            return Int(path.dropFirst(siteRoutes.count + 1).prefix { $0 != "/" })
        }
        var candidates: [Int] = []
        if let position = desired.routes.firstIndex(of: route) {
            for later in desired.routes[(position + 1)...] {
                if let index = analysis.route(forKey: later.pairingKey), let top = topIndex(view[index].handlerJSONPath) {
                    candidates.append(top)
                }
            }
        }
        for entry in view where entry.isUnconditional && entry.path.covers(route.path) {
            if let top = topIndex(entry.handlerJSONPath) { candidates.append(top) }
        }
        return candidates.min()
    }

    /// The route a missing desired route becomes: its path matcher, the prefix strip,
    /// then the handler.
    static func routeJSON(_ route: DesiredRoute) -> String {
        var handle: [JSONValue] = []
        if let prefix = route.stripPrefix {
            handle.append(.object(["handler": .string("rewrite"), "strip_path_prefix": .string(prefix)]))
        }
        handle.append(handlerValue(route.handler))
        var object: JSONObject = ["handle": .array(handle)]
        if route.path.kind != .any {
            object["match"] = .array([.object(["path": .array([.string(route.path.text)])])])
        }
        return JSONValue.object(object).canonicalText
    }

    static func handlerValue(_ handler: CaddyHandler) -> JSONValue {
        switch handler {
        case .reverseProxy(let upstreams, _):
            return .object(["handler": .string("reverse_proxy"), "upstreams": upstreamsValue(upstreams)])
        case .fileServer(let root):
            var object: JSONObject = ["handler": .string("file_server")]
            if let root { object["root"] = .string(root) }
            return .object(object)
        case .staticResponse(let status, let body, let location):
            var object: JSONObject = ["handler": .string("static_response"), "status_code": statusValue(status)]
            if let body { object["body"] = .string(body) }
            if let location { object["headers"] = .object(["Location": .array([.string(location)])]) }
            return .object(object)
        case .abort:
            return .object(["handler": .string("static_response"), "abort": .bool(true)])
        case .error(let status):
            return .object(["handler": .string("error"), "status_code": statusValue(status)])
        case .other, .nothing:
            return .object(["handler": .string(handler.name)])
        }
    }

    /// A status as Caddy's JSON writes it: a number, or a placeholder as a string.
    static func statusValue(_ status: String) -> JSONValue {
        Int(status) != nil ? .number(status) : .string(status)
    }

    static func upstreamsValue(_ upstreams: [String]) -> JSONValue {
        .array(upstreams.map { .object(["dial": .string($0)]) })
    }

    static func encode(_ fix: CaddyFix) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(fix)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
