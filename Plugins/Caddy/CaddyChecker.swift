import Foundation
import ReconcileKit

/// Compares Caddy's live routes (read from the admin API) with the routes the manifest
/// wants, so a root typo, a missing `handle_path` or an upstream port changed in one
/// place is caught before users see 404s and 502s.
///
/// `observe` only reads: `GET /config/` on the admin endpoint (a dry run's HTTP client
/// refuses anything else) and, with `caddyfile:`, the Caddyfile at the manifest's ref,
/// adapted by `caddy adapt` (no side effects); with `probes: true`, GETs through Caddy
/// itself (see `CaddyProbes`). `compare` normalises the JSON into a route table and pairs
/// it with the desired sites; it is pure and unit-tested on configs recorded from real
/// `caddy adapt` runs.
public struct CaddyChecker: Checker {
    public static let identifier = "caddy"
    public static let observes =
        "`GET /config/` on the admin API (TCP or unix socket); optionally a Caddyfile in git, adapted with `caddy adapt`; optional probes through Caddy"
    public static let reports =
        "per route: missing, other handler, upstreams, root, prefix strip, shadowed by an earlier route, unmanaged routes; fixes as Caddyfile blocks plus the admin JSON path"

    /// How long the admin API may take to answer.
    static let adminTimeout: Duration = .seconds(10)
    /// The largest config read; a bigger answer is reported, never half-compared.
    static let maxConfigBytes = 64 << 20

    public init() {}

    public func observe(_ spec: CaddySpec, in context: ObservationContext) async throws -> CaddyObservation {
        async let live = Self.readConfig(spec.admin, client: context.http)
        var caddyfile: CaddyfileOutcome?
        if case .caddyfile(let path, _) = spec.desired {
            caddyfile = await Self.adaptCaddyfile(path, context: context)
        }
        var probes: [CaddyProbeResult] = []
        if spec.probes, let listen = spec.listen {
            probes = await CaddyProbes.run(Self.desiredSites(spec, caddyfile), listen: listen, client: context.http)
        }
        let (config, etag) = await live
        var observation = CaddyObservation(
            admin: spec.admin.description, live: config, liveETag: etag, caddyfile: caddyfile, probes: probes)
        await Self.findOrigins(spec, &observation, environment: context.environment)
        return observation
    }

    /// Where the text of each Caddyfile route lives (``CaddyfileOrigins``), worked out only
    /// when a route drifted: only a fix needs it, and in sync (the usual run) it costs
    /// nothing.
    static func findOrigins(_ spec: CaddySpec, _ observation: inout CaddyObservation, environment: [String: String]) async {
        guard case .caddyfile(_, let position) = spec.desired, let committed = observation.caddyfile?.committed,
            let live = observation.liveRoutes.table
        else { return }
        let desired = desiredSites(spec, observation.caddyfile)
        let findings = CaddyComparison.compare(desired, with: live, unmanaged: .ignore, position: spec.position)
        guard findings.contains(where: { $0.status == .drift }) else { return }
        observation.caddyfile?.committed?.origins = await CaddyfileOrigins.find(
            committed, desired: desired, position: position, environment: environment)
        observation.caddyfile?.committed?.finer = await CaddyfileOrigins.finer(
            committed, desired: desired, live: live, position: position, environment: environment)
    }

    /// The desired sites the probes exercise: the manifest's, or the adapted
    /// Caddyfile's (none when it did not adapt; `compare` reports that).
    static func desiredSites(_ spec: CaddySpec, _ caddyfile: CaddyfileOutcome?) -> [DesiredSite] {
        switch spec.desired {
        case .sites(let sites):
            return sites.map(DesiredSite.from)
        case .caddyfile(_, let position):
            guard let table = caddyfile?.routes.table else { return [] }
            return DesiredSite.from(table, position: position)
        }
    }

    /// The Caddyfile at the manifest's ref, adapted by `caddy adapt`, with the files it
    /// imports.
    static func adaptCaddyfile(_ path: String, context: ObservationContext) async
        -> CaddyfileOutcome
    {
        let data: Data
        do {
            data = try context.source.read(path)
        } catch {
            let origin = context.source.origin
            return CaddyfileOutcome(
                path: path, result: .failed("cannot read \(path) at \(origin.ref) of \(origin.repo): \(error)"))
        }
        context.logger.debug("adapting \(path) (\(data.count) bytes) with caddy adapt")
        let collected: CaddyfileImports.Collected
        switch CaddyAdapter.collect(data, path: path, source: context.source) {
        case .failure(let refused):
            return CaddyfileOutcome(path: path, result: .failed(refused.description))
        case .success(let files):
            collected = files
        }
        var outcome = CaddyfileOutcome(
            path: path, result: await CaddyAdapter.adapt(collected.files, main: path, environment: context.environment))
        outcome.committed = CommittedCaddyfile(collected, main: path)
        return outcome
    }

    public func compare(_ spec: CaddySpec, with observation: CaddyObservation) -> [Finding] {
        CaddyComparison.findings(spec, observation)
    }

    /// A request to the admin API at `path`.
    static func adminRequest(_ admin: HTTPEndpoint, _ path: String, method: String = "GET") -> HTTPRequest {
        var request = admin.request(path, method: method)
        request.timeout = adminTimeout
        request.connectTimeout = .seconds(3)
        request.maxBodyBytes = maxConfigBytes
        request.headers = [HTTPHeader("Accept", "application/json")]
        if admin.unixSocketPath != nil {
            // Caddy's admin API on a unix socket only accepts an empty Host (it answers
            // 403 "host not allowed: localhost" otherwise).
            request.headers.append(HTTPHeader("Host", ""))
        }
        return request
    }

    /// `GET /config/`: the running config as JSON, or why it could not be read, and its
    /// ETag when Caddy sent one.
    ///
    /// Caddy replaces its admin server after every config change (each edit an apply
    /// makes), closing the old one's connections: a read that meets that swap is reset.
    /// A read whose connection broke (not one refused, timed out or answered) is asked
    /// once more, on a new connection.
    static func readConfig(_ admin: HTTPEndpoint, client: HTTPClient) async -> (AdminOutcome, etag: String?) {
        let first = await readConfigOnce(admin, client: client)
        if case .failure(let failure) = first.0, failure.kind == .transport {
            return await readConfigOnce(admin, client: client)
        }
        return first
    }

    private static func readConfigOnce(_ admin: HTTPEndpoint, client: HTTPClient) async -> (AdminOutcome, etag: String?) {
        let request = adminRequest(admin, "/config/")
        do {
            let response = try await client.send(request)
            let etag = response.header("ETag")
            guard response.status == 200 else {
                let excerpt = CaddyText.excerpt(response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines), limit: 160)
                return (
                    .failure(
                        AdminFailure(
                            kind: .httpStatus, message: "HTTP \(response.status)" + (excerpt.isEmpty ? "" : ": \(excerpt)"),
                            status: response.status)), nil
                )
            }
            guard !response.bodyTruncated else {
                return (.failure(AdminFailure(kind: .truncated, message: "the config is over \(maxConfigBytes) bytes")), nil)
            }
            return (.config(response.body), etag)
        } catch {
            let kind: AdminFailure.Kind =
                switch error.kind {
                case .connectionRefused: .connectionRefused
                case .timeout: .timeout
                case .hostNotFound: .hostNotFound
                default: .transport
                }
            return (.failure(AdminFailure(kind: kind, message: error.message)), nil)
        }
    }
}
