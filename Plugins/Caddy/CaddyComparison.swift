import Foundation
import ReconcileKit

/// The pure half of the Caddy checker: desired sites against the live route table.
///
/// Sites are paired by hosts, routes by path (plus conditions, for Caddyfile routes);
/// each desired route gets exactly one finding: ok, missing, unreachable (shadowed), or
/// different (handler, upstreams as a set, root, prefix strip), with the Caddyfile block
/// that produces the desired route and the admin-API JSON path of what differs.
enum CaddyComparison {
    static let checker = "caddy"

    static func findings(_ spec: CaddySpec, _ observation: CaddyObservation) -> [Finding] {
        var findings: [Finding] = []
        var desiredSites: [DesiredSite]?
        var committed: CommittedCaddyfile?
        switch spec.desired {
        case .sites(let sites):
            desiredSites = sites.map(DesiredSite.from)
        case .caddyfile(let path, let position):
            desiredSites = desiredFromCaddyfile(path, position, observation.caddyfile, into: &findings)
            committed = observation.caddyfile?.committed
        }

        let live: CaddyRouteTable
        switch observation.liveRoutes {
        case .unavailable(let failure):
            findings.append(adminUnknown(failure, admin: observation.admin, position: spec.position))
            findings.append(contentsOf: observation.probes.map(CaddyProbeVerdict.finding))
            return findings
        case .table(let table):
            live = table
        case .malformed(let error):
            findings.append(
                Finding(
                    checker: checker, resource: "admin", status: .unknown,
                    observed: error.message,
                    message: "the admin API at \(observation.admin) answered something that is not a Caddy config",
                    fix: Fix(summary: "Check that \(observation.admin) is Caddy's admin endpoint and not another service."),
                    position: spec.position))
            findings.append(contentsOf: observation.probes.map(CaddyProbeVerdict.finding))
            return findings
        }
        if let desiredSites {
            let compared = compare(
                desiredSites, with: live, unmanaged: spec.unmanagedRoutes, position: spec.position, committed: committed)
            // Usually nothing came before: take the array instead of copying 1,000 findings.
            if findings.isEmpty { findings = compared } else { findings += compared }
        }
        if case .caddyfile(let path, let position) = spec.desired, case .adapted(let desired)? = observation.caddyfile?.result,
            case .config(let config) = observation.live
        {
            findings += CaddyErrorRoutes.findings(
                desired: desired, live: config, caddyfile: path, committed: committed, position: position)
        }
        findings.append(contentsOf: observation.probes.map(CaddyProbeVerdict.finding))
        return findings
    }

    // MARK: Desired state from a Caddyfile

    static func desiredFromCaddyfile(
        _ path: String, _ position: SourcePosition, _ outcome: CaddyfileOutcome?, into findings: inout [Finding]
    ) -> [DesiredSite]? {
        guard let outcome else {
            findings.append(
                Finding(
                    checker: checker, resource: path, status: .unknown,
                    message: "the Caddyfile \(path) was not read", position: position))
            return nil
        }
        switch outcome.routes {
        case .unavailable(let reason):
            findings.append(
                Finding(
                    checker: checker, resource: path, status: .unknown, observed: reason,
                    message: "the desired routes are unknown: the Caddyfile \(path) could not be adapted",
                    fix: Fix(
                        summary: "Fix the Caddyfile at this ref (check it with `caddy adapt --config \(path)`), "
                            + "or correct caddy.caddyfile in the manifest."),
                    position: position))
            return nil
        case .table(let table):
            return DesiredSite.from(table, position: position)
        case .malformed(let error):
            findings.append(
                Finding(
                    checker: checker, resource: path, status: .unknown, observed: error.message,
                    message: "`caddy adapt` turned \(path) into something that is not a Caddy config",
                    position: position))
            return nil
        }
    }

    // MARK: The admin API could not be read

    static func adminUnknown(_ failure: AdminFailure, admin: String, position: SourcePosition) -> Finding {
        let hint: String
        switch failure.kind {
        case .connectionRefused:
            hint =
                admin.hasPrefix("unix://")
                ? "Nothing accepts connections on the socket \(admin.dropFirst(7)): is Caddy running, with "
                    + "`admin unix/\(admin.dropFirst(7))` in its global options?"
                : "Nothing accepts connections at \(admin): is Caddy running? Is the admin API turned off "
                    + "(`admin off` in the global options) or on another address (`admin HOST:PORT`; the default "
                    + "is localhost:2019)? Correct caddy.admin to match."
        case .timeout:
            hint =
                "The admin API at \(admin) did not answer in time: Caddy may be hung or overloaded, or a "
                + "firewall drops the packets."
        case .hostNotFound:
            hint = "The host of \(admin) does not resolve: correct caddy.admin."
        case .httpStatus:
            hint =
                "Something answers at \(admin), but not with a config: is it Caddy's admin endpoint? "
                + "(An `origins` setting in the admin options can refuse this request.)"
        case .truncated:
            hint = "The config is larger than reconcile reads; report this as a bug."
        case .transport:
            hint = "The request to \(admin) failed before an HTTP answer; check the address in caddy.admin."
        }
        return Finding(
            checker: checker, resource: "admin", status: .unknown, severity: .error,
            expected: "GET \(admin)/config/ answers 200 with the config",
            observed: failure.message,
            message: "cannot read Caddy's config from \(admin): \(failure.message)",
            fix: Fix(summary: hint), position: position)
    }

    // MARK: Sites and routes

    /// The live sites that serve a desired site's requests: equal hosts, else a site
    /// whose hosts include them, else a site for any host; a desired site for any host
    /// with no such site live is paired with the only site there is.
    static func candidates(for desired: DesiredSite, in table: CaddyRouteTable) -> [CaddySite] {
        let sites = table.sites
        let wanted = Set(desired.hosts)
        var found = sites.filter { $0.hosts == desired.hosts }
        if found.isEmpty && !wanted.isEmpty { found = sites.filter { wanted.isSubset(of: $0.hosts) } }
        if found.isEmpty && !wanted.isEmpty { found = sites.filter { $0.hosts.isEmpty } }
        if found.isEmpty && wanted.isEmpty && sites.count == 1 { found = sites }
        if let listen = desired.listen, !found.isEmpty {
            let wanted = Set(listen.map(normalizedListen))
            let sameListen = found.filter { Set(table.listen(of: $0.server).map(normalizedListen)) == wanted }
            // From a Caddyfile the listen addresses only tell sites apart; a manifest's are required.
            if !sameListen.isEmpty || !desired.fromCaddyfile { found = sameListen }
        }
        return found
    }

    /// `:8080`, `0.0.0.0:8080`, `[::]:8080` and `tcp/:8080` are one listener.
    static func normalizedListen(_ address: String) -> String {
        var text = address.lowercased()
        if text.hasPrefix("tcp/") { text.removeFirst(4) }
        for any in ["0.0.0.0:", "[::]:"] where text.hasPrefix(any) { text = ":" + text.dropFirst(any.count) }
        return text
    }

    static func compare(
        _ desiredSites: [DesiredSite], with live: CaddyRouteTable, unmanaged: CaddySpec.UnmanagedRoutes,
        position: SourcePosition, committed: CommittedCaddyfile? = nil
    ) -> [Finding] {
        var findings: [Finding] = []
        var namedKeys: [CaddySite: Set<String>] = [:]
        for desired in desiredSites {
            /// A drifted route of a Caddyfile gets the committed text it comes from.
            func committedFix(_ finding: Finding, _ route: DesiredRoute) -> Finding {
                guard finding.status == .drift, let fix = committed?.fix(for: route, of: desired) else { return finding }
                var finding = finding
                finding.fix = fix
                return finding
            }
            let sites = candidates(for: desired, in: live)
            if sites.isEmpty {
                findings += desired.routes.map { committedFix(missingSite($0, desired: desired, live: live), $0) }
                continue
            }
            for site in sites {
                let analysis = live.analysis(of: site)
                let view = analysis.view
                if unmanaged == .report { namedKeys[site, default: []].formUnion(desired.routes.map(\.pairingKey)) }
                var note =
                    sites.count > 1
                    ? " (server listening on \(live.listen(of: site.server).joined(separator: ", ")))" : ""
                if site.hosts != desired.hosts {
                    note +=
                        site.hosts.isEmpty
                        ? " (served by the site for any host)"
                        : " (served by the site for \(site.hosts.joined(separator: ", ")))"
                }
                let siteRoutes =
                    view.first { $0.hosts == site.hosts }?.siteRoutesJSONPath
                    ?? "/config/apps/http/servers/\(site.server)/routes"
                for route in desired.routes {
                    findings.append(
                        committedFix(
                            compare(route, desired: desired, analysis: analysis, note: note, siteRoutes: siteRoutes), route))
                }
            }
        }
        if unmanaged == .report {
            findings += unmanagedFindings(live, named: namedKeys, position: position)
        }
        return findings
    }

    /// What differs between a desired site and the one live site serving it, as route keys
    /// (``CommittedCaddyfile/key(_:_:)``): its drifted routes, and a marker for what comes
    /// from elsewhere than the desired statements (a live route it lacks, a shadowed route,
    /// middleware of a path the desired site does not have: live directives of one path
    /// act as one route); nil unless exactly one live site serves it.
    static func differingKeys(_ desired: DesiredSite, live: CaddyRouteTable) -> Set<String>? {
        let sites = candidates(for: desired, in: live)
        guard sites.count == 1, let site = sites.first else { return nil }
        let analysis = live.analysis(of: site)
        var keys = Set<String>()
        for route in desired.routes
        where compare(route, desired: desired, analysis: analysis, note: "", siteRoutes: "").status == .drift {
            keys.insert(CommittedCaddyfile.key(desired, route))
            if let index = analysis.route(forKey: route.pairingKey), analysis.shadower(of: index) != nil {
                keys.insert("shadowed \(route.pairingKey)")
            }
            if route.middlewareOnly {
                var wanted = (route.whole?.middleware ?? []).map(\.name)
                for name in analysis.middlewareRoutes(forKey: route.pairingKey).flatMap({ analysis.view[$0].middleware }).map(\.name) {
                    guard let index = wanted.firstIndex(of: name) else {
                        keys.insert("live only \(name) in \(route.pairingKey)")
                        break
                    }
                    wanted.remove(at: index)
                }
            }
        }
        let named = Set(desired.routes.map(\.pairingKey))
        for route in analysis.view
        where route.hosts == site.hosts && (route.kind == .responder || route.kind == .middleware)
            && !named.contains(route.pairingKey)
        {
            keys.insert("live only \(route.pairingKey)")
        }
        return keys
    }

    static func compare(
        _ route: DesiredRoute, desired: DesiredSite, analysis: ViewAnalysis, note: String, siteRoutes: String
    ) -> Finding {
        let view = analysis.view
        let hosts = CaddyText.onHosts(desired.hosts) + note
        let expected = CaddyText.describe(route)
        // Only a route that is not in sync needs its block (most are in sync: 1,000 routes).
        var block: String { CaddyText.caddyfileBlock(route) }
        var finding = Finding(
            checker: checker, resource: route.path.text, status: .drift, severity: .error, expected: expected,
            message: "", position: route.position)
        if route.middlewareOnly {
            return compareMiddleware(route, analysis: analysis, hosts: hosts, desired: desired, finding: finding)
        }

        guard let index = analysis.route(forKey: route.pairingKey) else {
            if route.conditions.isEmpty,
                let conditional = view.first(where: { $0.kind == .responder && $0.path.key == route.path.key })
            {
                finding.observed =
                    CaddyText.describe(conditional.handler, strip: conditional.stripPrefix)
                    + " only when " + conditional.conditions.joined(separator: ", ")
                finding.message =
                    "the live route for \(route.path)\(hosts) answers only some requests "
                    + "(when \(conditional.conditions.joined(separator: ", ")))"
                finding.fix = Fix(
                    summary: "Drop the extra matcher so the route answers every request for \(route.path) in "
                        + "\(CaddyText.siteBlock(desired.hosts)) (live JSON: \(conditional.routeJSONPath)/match).",
                    snippet: block, language: "caddyfile")
                return finding
            }
            let answering = analysis.answering(route.path).map { view[$0] }
            if let answering {
                finding.observed =
                    "no route of its own; answered by \(answering.path) → "
                    + CaddyText.describe(answering.handler, strip: answering.stripPrefix)
                finding.message =
                    "missing route\(hosts): no route for \(route.path); its requests go to "
                    + "\(answering.path) (\(CaddyText.describe(answering.handler)))"
            } else {
                finding.observed = "no route matches it (Caddy answers an empty 200)"
                finding.message = "missing route\(hosts): no route for \(route.path)"
            }
            finding.fix = Fix(
                summary: "Add this block to \(CaddyText.siteBlock(desired.hosts)) (live JSON: a route in "
                    + "\(siteRoutes), before any broader route).",
                snippet: block, language: "caddyfile")
            return finding
        }

        let live = view[index]
        var observed = CaddyText.describe(live.handler, strip: live.stripPrefix)
        if (route.whole != nil || !route.expectations.isEmpty) && !live.middleware.isEmpty {
            observed = CaddyText.describe(live.middleware) + ", then " + observed
        }
        finding.observed = observed
        let differences = differences(route, live)
        let uncompared = uncomparedHeaders(route, live.middleware)
        if let shadowIndex = analysis.shadower(of: index) {
            let shadow = view[shadowIndex]
            let shadowText = "\(shadow.path) → \(CaddyText.describe(shadow.handler, strip: shadow.stripPrefix))"
            finding.observed = "\(observed), unreachable behind \(shadowText)"
            let also = differences.isEmpty ? "" : "; it also differs: " + differences.map(\.text).joined(separator: "; ")
            finding.message =
                "shadowed route\(hosts): \(route.path) can never be reached, because the earlier, "
                + "broader route \(shadow.path) (\(CaddyText.describe(shadow.handler))) answers all of its requests first"
                + also
            var snippet = block
            if shadow.kind == .responder {
                snippet +=
                    "\n"
                    + CaddyText.caddyfileBlock(
                        path: shadow.path, handler: shadow.handler, strip: shadow.stripPrefix,
                        conditions: shadow.conditions)
            }
            finding.fix = Fix(
                summary: "Put both routes in handle blocks (Caddy sorts those by path, most specific first) or move "
                    + "\(route.path) before \(shadow.path) in \(CaddyText.siteBlock(desired.hosts)). The shadowing "
                    + "route is \(shadow.routeJSONPath) in the live config; the shadowed one is \(live.routeJSONPath).",
                snippet: snippet, language: "caddyfile")
            return finding
        }
        return judged(
            finding, differences, hosts: hosts, uncompared: uncompared,
            making: "the route in \(CaddyText.siteBlock(desired.hosts))", block: block)
    }

    /// A route of middleware only, against the live middleware routes of its key.
    static func compareMiddleware(
        _ route: DesiredRoute, analysis: ViewAnalysis, hosts: String, desired: DesiredSite, finding: Finding
    ) -> Finding {
        var finding = finding
        let indices = analysis.middlewareRoutes(forKey: route.pairingKey)
        guard let first = indices.first else {
            finding.observed = "no middleware route for \(route.path)"
            finding.message = "missing middleware route\(hosts): nothing runs \(finding.expected ?? "") for \(route.path)"
            finding.fix = Fix(
                summary: "Add this block to \(CaddyText.siteBlock(desired.hosts)).", snippet: CaddyText.caddyfileBlock(route),
                language: "caddyfile")
            return finding
        }
        let live = indices.flatMap { analysis.view[$0].middleware }
        finding.observed = CaddyText.describe(live)
        return judged(
            finding, middlewareDifferences(route, live, at: analysis.view[first].routeJSONPath), hosts: hosts,
            uncompared: uncomparedHeaders(route, live),
            making: "the middleware for \(route.path) in \(CaddyText.siteBlock(desired.hosts))",
            block: CaddyText.caddyfileBlock(route))
    }

    /// A paired route's finding by its differences: in sync without any; else drift, with
    /// the block to make `making` read as and the live JSON paths that differ.
    static func judged(
        _ finding: Finding, _ differences: [CaddyDifference], hosts: String, uncompared: String, making: String,
        block: @autoclosure () -> String
    ) -> Finding {
        var finding = finding
        guard !differences.isEmpty else {
            finding.status = .ok
            finding.severity = .info
            finding.message = "in sync\(hosts): \(finding.observed ?? "")" + uncompared
            return finding
        }
        finding.message = differences.map(\.text).joined(separator: "; ") + hosts + uncompared
        finding.fix = Fix(
            summary: "Make \(making) read as below (live JSON that differs: \(uniquePaths(differences).joined(separator: ", "))).",
            snippet: block(), language: "caddyfile")
        return finding
    }

    /// The live header operations the manifest route does not compare, as the end of its
    /// finding's message; none for a Caddyfile desired state (it compares them as JSON).
    static func uncomparedHeaders(_ route: DesiredRoute, _ live: [CaddyMiddleware]) -> String {
        route.whole == nil ? CaddyMiddlewareExpectation.uncomparedHeaders(route.expectations, live: live) : ""
    }

    static func uniquePaths(_ differences: [CaddyDifference]) -> [String] {
        differences.map(\.jsonPath).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    /// How the live middleware differs from the desired: what the manifest names, or (from
    /// a Caddyfile) every handler as normalised JSON, paired by name in order.
    static func middlewareDifferences(_ route: DesiredRoute, _ live: [CaddyMiddleware], at routePath: String) -> [CaddyDifference] {
        var result = route.expectations.compactMap { $0.difference(live, at: routePath) }
        guard let want = route.whole?.middleware,
            want.map(\.name) != live.map(\.name) || zip(want, live).contains(where: { $0.json != $1.json })
        else { return result }
        var liveByName: [String: [CaddyMiddleware]] = [:]
        for item in live { liveByName[item.name, default: []].append(item) }
        var used: [String: Int] = [:]
        for item in want {
            let index = used[item.name, default: 0]
            used[item.name] = index + 1
            guard let have = liveByName[item.name], index < have.count else {
                result.append(
                    CaddyDifference(
                        .json,
                        "missing middleware \(item.name) in \(routePath): \(CaddyText.excerpt(item.json.canonicalText, limit: 120))",
                        routePath))
                continue
            }
            for difference in CaddyJSON.differences(item.json, have[index].json, at: have[index].jsonPath) {
                result.append(CaddyDifference(.json, "\(item.name) differs at \(difference.text)", difference.path))
            }
        }
        for (name, items) in liveByName.sorted(by: { $0.key < $1.key }) where items.count > used[name, default: 0] {
            for extra in items[used[name, default: 0]...] {
                result.append(
                    CaddyDifference(
                        .json,
                        "unexpected middleware \(name) at \(extra.jsonPath): \(CaddyText.excerpt(extra.json.canonicalText, limit: 120))",
                        extra.jsonPath))
            }
        }
        return result
    }

    /// What differs between a desired route and the live route paired with it, each
    /// with the admin-API path of the live value: what the route model compares by
    /// meaning, the middleware, and (from a Caddyfile) the rest of the handler's JSON.
    static func differences(_ route: DesiredRoute, _ live: CaddyRoute) -> [CaddyDifference] {
        var result = modelledDifferences(route, live)
        result += middlewareDifferences(route, live.middleware, at: live.routeJSONPath)
        if let want = route.whole?.handler, let have = live.handlerJSON, want != have {
            let covered = result.map(\.jsonPath)
            for difference in CaddyJSON.differences(want, have, at: live.handlerJSONPath)
            where !covered.contains(where: { difference.path == $0 || difference.path.hasPrefix($0 + "/") }) {
                result.append(CaddyDifference(.json, "\(live.handler.name) differs at \(difference.text)", difference.path))
            }
        }
        return result
    }

    /// What the route model compares by meaning: handler, upstreams, transport, root,
    /// response, prefix strip.
    static func modelledDifferences(_ route: DesiredRoute, _ live: CaddyRoute) -> [CaddyDifference] {
        var result: [CaddyDifference] = []
        switch (route.handler, live.handler) {
        case (.reverseProxy(let want, let wantTransport), .reverseProxy(let have, let haveTransport)):
            if Set(want) != Set(have) {
                let missing = want.filter { !have.contains($0) }
                let extra = have.filter { !want.contains($0) }
                var detail: [String] = []
                if !missing.isEmpty { detail.append("missing " + missing.joined(separator: ", ")) }
                if !extra.isEmpty { detail.append("unexpected " + extra.joined(separator: ", ")) }
                let spelled = want.count > 1 || have.count > 1 ? " (\(detail.joined(separator: "; ")))" : ""
                result.append(
                    CaddyDifference(
                        .upstreams,
                        "different upstreams: expected \(want.joined(separator: " ")), live "
                            + "\(have.isEmpty ? "none" : have.joined(separator: " "))\(spelled)",
                        live.handlerJSONPath + "/upstreams"))
            }
            if route.transportChecked && wantTransport != haveTransport {
                result.append(
                    CaddyDifference(
                        .transport,
                        "a different upstream transport: expected \(wantTransport ?? "http"), live \(haveTransport ?? "http")",
                        live.handlerJSONPath + "/transport"))
            }
        case (.fileServer(let want), .fileServer(let have)):
            if route.rootChecked && normalizedRoot(want) != normalizedRoot(have) {
                result.append(
                    CaddyDifference(
                        .root, "a different root: expected \(want ?? "none"), live \(have ?? "none (Caddy's working directory)")",
                        live.rootJSONPath ?? live.handlerJSONPath))
            }
        case (.staticResponse, .staticResponse), (.error, .error), (.other, .other), (.abort, .abort):
            if route.handler != live.handler {
                result.append(
                    CaddyDifference(
                        .response,
                        "a different response: expected \(CaddyText.describe(route.handler)), live "
                            + CaddyText.describe(live.handler), live.handlerJSONPath))
            }
        default:
            result.append(
                CaddyDifference(
                    .handler,
                    "a different handler: expected \(CaddyText.describe(route.handler, rootChecked: route.rootChecked)), "
                        + "live \(CaddyText.describe(live.handler))", live.handlerJSONPath))
        }
        let wantStrip = route.stripPrefix.flatMap(normalizedRoot)
        let haveStrip = live.stripPrefix.flatMap(normalizedRoot)
        if wantStrip != haveStrip {
            let text: String
            switch (wantStrip, haveStrip) {
            case (let want?, nil):
                text = "a different prefix strip: expected \(want) stripped (handle_path), live strips nothing"
            case (nil, let have?):
                text = "a different prefix strip: live strips \(have), expected no strip"
            default:
                text = "a different prefix strip: expected \(wantStrip ?? "") stripped, live strips \(haveStrip ?? "")"
            }
            result.append(CaddyDifference(.strip, text, live.stripJSONPath ?? live.routeJSONPath))
        }
        return result
    }

    /// `/srv/media/` and `/srv/media` are the same root.
    static func normalizedRoot(_ root: String?) -> String? {
        guard var root else { return nil }
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        return root
    }

    static func missingSite(_ route: DesiredRoute, desired: DesiredSite, live: CaddyRouteTable) -> Finding {
        let hosts =
            (desired.hosts.isEmpty ? "any host" : desired.hosts.joined(separator: ", "))
            + (desired.listen.map { " on " + $0.joined(separator: ", ") } ?? "")
        let served = live.sites.map { site in
            (site.hosts.isEmpty ? "any host" : site.hosts.joined(separator: ", "))
                + (desired.listen == nil ? "" : " on " + live.listen(of: site.server).joined(separator: ", "))
        }
        return Finding(
            checker: checker, resource: route.path.text, status: .drift, severity: .error,
            expected: CaddyText.describe(route),
            observed: served.isEmpty ? "no sites" : "sites for: " + served.joined(separator: "; "),
            message: "missing route\(CaddyText.onHosts(desired.hosts)): no site block serves \(hosts)",
            fix: Fix(
                summary: "Add a site block for \(hosts) with this route (live JSON: a route with a host matcher in "
                    + "/config/apps/http/servers/…/routes).",
                snippet: siteWrapped(desired.hosts, CaddyText.caddyfileBlock(route)),
                language: "caddyfile"),
            position: route.position)
    }

    static func siteWrapped(_ hosts: [String], _ block: String) -> String {
        let address = hosts.isEmpty ? ":80" : hosts.joined(separator: ", ")
        let inner = block.split(separator: "\n", omittingEmptySubsequences: false).map { "\t" + $0 }
        return ([address + " {"] + inner + ["}"]).joined(separator: "\n")
    }

    /// Live routes nobody declared (only with `unmanaged_routes: report`). A route no
    /// request reaches (an earlier route answers all of its requests) changes no answer,
    /// so it is not drift; a desired route in that state is (it is `shadowed`).
    static func unmanagedFindings(
        _ live: CaddyRouteTable, named: [CaddySite: Set<String>], position: SourcePosition
    ) -> [Finding] {
        var findings: [Finding] = []
        for site in live.sites {
            let names = named[site] ?? []
            let analysis = live.analysis(of: site)
            let view = analysis.view
            var reported: Set<String> = []
            for (index, route) in view.enumerated()
            where (route.kind == .responder || route.kind == .middleware) && route.hosts == site.hosts
                && !names.contains(route.pairingKey) && analysis.shadower(of: index) == nil
            {
                guard reported.insert(route.pairingKey).inserted else { continue }
                let scope = named[site] == nil ? "a site the manifest does not name" : "a route the manifest does not name"
                let when = route.conditions.isEmpty ? "" : " when " + route.conditions.joined(separator: ", ")
                findings.append(
                    Finding(
                        checker: checker, resource: route.path.text, status: .drift, severity: .warning,
                        expected: "no route",
                        observed: (route.kind == .middleware
                            ? CaddyText.describe(route.middleware) : CaddyText.describe(route.handler, strip: route.stripPrefix))
                            + when,
                        message: "unmanaged route\(CaddyText.onHosts(site.hosts)): \(scope)",
                        fix: Fix(
                            summary: "Declare it in the manifest's caddy.sites (below), or remove it from Caddy "
                                + "(live JSON: \(route.routeJSONPath)).",
                            snippet: CaddyManifestEntry.yaml(for: route), language: "yaml"),
                        position: position))
            }
        }
        return findings
    }
}

/// One way a live route differs from its desired route: what kind of difference (the
/// plan repairs each kind its own way), how to say it, and the admin-API path of the
/// live value.
struct CaddyDifference {
    enum Kind { case upstreams, transport, root, response, handler, strip, middleware, json }

    let kind: Kind
    let text: String
    let jsonPath: String

    init(_ kind: Kind, _ text: String, _ jsonPath: String) {
        self.kind = kind
        self.text = text
        self.jsonPath = jsonPath
    }
}
