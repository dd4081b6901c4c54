import Foundation
import ReconcileKit

/// Caddy's repairs on the live config, through the admin API.
///
/// Every action starts from the config the plan was made from: the first one checks that
/// Caddy's ETag is still the one observed; each request carries `If-Match`, so a change
/// made by someone else meanwhile is never overwritten (Caddy answers 412, the reconciler
/// observes again and re-plans once). What `undo` needs is the whole config from before
/// the action, which `POST /load` puts back as it was, byte for byte.
extension CaddyChecker: Fixer {
    /// The config before one action (and the Caddyfile it overwrote, if any).
    public struct Applied: Sendable {
        let admin: HTTPEndpoint
        let configBefore: Data
        let fileBefore: (path: String, contents: Data?)?
    }

    public static var manualReason: String { "reconcile has no repair for this Caddy finding; apply the fix by hand" }

    public func plan(_ spec: CaddySpec, observation: CaddyObservation, findings: [Finding]) -> [Int: Remedy] {
        CaddyPlan.remedies(spec, observation, findings)
    }

    public func apply(_ action: Action, spec: CaddySpec, in context: ApplyContext) async throws -> Applied {
        let fix = try JSONDecoder().decode(CaddyFix.self, from: Data(action.payload.utf8))
        // Before anything changes: the file's text is the manifest authors', written as reconcile's user.
        if let target = fix.writeTo, case .refused(let reason) = context.operatorConfig.decide(.caddyfileWrite(target)) {
            throw ApplyFailure("write_caddyfile: not allowed: \(reason); nothing was loaded")
        }
        let admin = spec.admin
        let key = Self.memoryKey(admin)
        let before: AdminSnapshot
        if let remembered = context.memory[key] as? AdminSnapshot {
            before = remembered
        } else {
            before = try await Self.snapshot(admin, context)
            if let observed = fix.etag, before.etag != observed {
                throw ApplyConflict("Caddy's config changed since it was observed (ETag \(observed), now \(before.etag ?? "none"))")
            }
        }
        var etag = before.etag
        let edits = try Self.edits(for: action, fix, spec: spec, config: before.config, etag: etag)
        do {
            if let load = fix.load {
                try await Self.send(CaddyEdit(method: "POST", path: "/load", body: load), admin, etag: etag, context)
            }
            for (index, edit) in edits.enumerated() {
                try await Self.send(edit, admin, etag: etag, context)
                if index < edits.count - 1 { etag = try await Self.snapshot(admin, context).etag }
            }
        } catch {
            context.memory[key] = nil
            if edits.count > 1 || fix.load != nil {
                // Some requests may have gone through: put the config back before saying so.
                try? await Self.load(before.config, admin, context)
            }
            throw error
        }
        var fileBefore: (path: String, contents: Data?)?
        if let target = fix.writeTo, let path = fix.caddyfile {
            let text = try context.source.read(path)
            fileBefore = (target, FileManager.default.contents(atPath: target))
            do {
                try ReportFile.write(String(decoding: text, as: UTF8.self), to: target)
            } catch {
                try? await Self.load(before.config, admin, context)
                context.memory[key] = nil
                throw ApplyFailure("loaded, but could not write the Caddyfile: \(error); the config was put back")
            }
        }
        context.memory[key] = try await Self.snapshot(admin, context)
        return Applied(admin: admin, configBefore: before.config, fileBefore: fileBefore)
    }

    public func undo(_ applied: Applied, spec: CaddySpec, in context: ApplyContext) async throws {
        context.memory[Self.memoryKey(applied.admin)] = nil
        try await Self.load(applied.configBefore, applied.admin, context)
        if let (path, contents) = applied.fileBefore {
            if let contents {
                try ReportFile.write(String(decoding: contents, as: UTF8.self), to: path)
            } else {
                unlink(path)
            }
        }
    }

    /// The requests for a route action, derived again from `config` (the config as it is
    /// now, after this run's earlier actions): the same repair as planned, at the JSON
    /// paths of now. A route that needs another repair by now is a conflict; one already
    /// in sync needs none.
    static func edits(for action: Action, _ fix: CaddyFix, spec: CaddySpec, config: Data, etag: String?) throws -> [CaddyEdit] {
        guard fix.load == nil, case .sites(let sites) = spec.desired else { return fix.edits }
        let table: CaddyRouteTable
        do {
            table = try CaddyConfigNormalizer.normalize(config)
        } catch {
            throw ApplyFailure("Caddy's config cannot be read: \(error)")
        }
        let now = CaddyPlan.routeRemedies(sites, live: table, etag: etag).values.filter {
            if case .action(let planned) = $0 { return planned.resource == action.resource }
            return false
        }
        guard !now.isEmpty else { return [] }
        for case .action(let planned) in now where planned.summary == action.summary {
            return (try? JSONDecoder().decode(CaddyFix.self, from: Data(planned.payload.utf8)))?.edits ?? []
        }
        throw ApplyConflict("the route \(action.resource) changed since it was planned")
    }

    /// The config and its ETag, as last seen by this run's actions.
    struct AdminSnapshot: Sendable {
        let config: Data
        let etag: String?
    }

    static func memoryKey(_ admin: HTTPEndpoint) -> String { "caddy \(admin)" }

    static func snapshot(_ admin: HTTPEndpoint, _ context: ApplyContext) async throws -> AdminSnapshot {
        let (outcome, etag) = await readConfig(admin, client: context.http)
        switch outcome {
        case .config(let data): return AdminSnapshot(config: data, etag: etag)
        case .failure(let failure): throw ApplyFailure("cannot read Caddy's config from \(admin): \(failure.message)")
        }
    }

    /// `POST /load` without `If-Match`: for putting back a config this run replaced. Sent
    /// once more, a tenth of a second later, when its connection was refused or broke
    /// before an answer: Caddy replaces its admin server after each change this run made,
    /// and a request meeting that swap is refused or reset. Loading the same config twice
    /// leaves what loading it once does.
    static func load(_ config: Data, _ admin: HTTPEndpoint, _ context: ApplyContext) async throws {
        let edit = CaddyEdit(method: "POST", path: "/load", body: String(decoding: config, as: UTF8.self))
        do {
            try await send(edit, admin, etag: nil, context)
        } catch let failure as HTTPError where [.transport, .connectionRefused].contains(failure.kind) {
            try? await Task.sleep(for: .milliseconds(100))
            try await send(edit, admin, etag: nil, context)
        }
    }

    /// One admin request; 412 is a conflict, any other non-2xx a failure with Caddy's words.
    static func send(_ edit: CaddyEdit, _ admin: HTTPEndpoint, etag: String?, _ context: ApplyContext) async throws {
        var request = adminRequest(admin, edit.path, method: edit.method)
        if let body = edit.body {
            request.body = Data(body.utf8)
            request.headers.append(HTTPHeader("Content-Type", "application/json"))
        }
        if let etag { request.headers.append(HTTPHeader("If-Match", etag)) }
        context.logger.debug("caddy: \(edit.method) \(edit.path)")
        let response = try await context.http.send(request)
        if response.status == 412 {
            throw ApplyConflict("Caddy's config changed meanwhile (412 to \(edit.method) \(edit.path))")
        }
        guard (200..<300).contains(response.status) else {
            let message = CaddyText.excerpt(response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines), limit: 300)
            throw ApplyFailure("\(edit.method) \(edit.path) answered \(response.status): \(message)")
        }
    }
}
