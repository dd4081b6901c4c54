import Foundation
import ReconcileKit

extension CaddyChecker: ResourceDescribing {
    /// `listen`, `probes`, `unmanaged_routes` and `write_caddyfile` are planned by their values.
    public static let describedKeys = DescribedKeys.only(["admin", "sites", "caddyfile"])

    /// Each written route keyed by its site and path, ordered within its site (the first
    /// route that matches answers, so a reorder is planned); a Caddyfile is one resource whose
    /// content is its blob at the ref (its routes are known only once adapted).
    public func resources(of spec: CaddySpec, in desired: DesiredState) -> [DesiredResource] {
        var resources = [
            DesiredResource(
                checker: Self.identifier, kind: "admin", name: "admin", fields: [.init("admin", spec.admin.description)],
                position: spec.position)
        ]
        switch spec.desired {
        case .caddyfile(let path, let position):
            // The Caddyfile and each file it imports: an edit of an imported site changes
            // the routes as much as one of the Caddyfile itself.
            var files: [String: Data] = [:]
            var imports = ""
            if let main = try? desired.source.read(path) {
                switch CaddyAdapter.collect(main, path: path, source: desired.source) {
                case .success(let collected): files = collected.files
                case .failure(let refused):
                    files = [path: main]
                    imports = refused.description
                }
            }
            for file in [path] + files.keys.filter({ $0 != path }).sorted() {
                let content = files[file].map { String(decoding: $0, as: UTF8.self) }
                let summary = content.map { "\($0.split(separator: "\n").count) lines, digest \(StableDigest.hex($0))" }
                resources.append(
                    DesiredResource(
                        checker: Self.identifier, kind: "caddyfile", name: file,
                        fields: [.init("content", summary ?? "(missing)"), .init("imports", file == path ? imports : "")],
                        position: position))
            }
        case .sites(let sites):
            for site in sites {
                let label =
                    (site.hosts.isEmpty ? "*" : site.hosts.joined(separator: ","))
                    + (site.listen.map { " (" + $0.joined(separator: ",") + ")" } ?? "")
                for route in site.routes {
                    var fields: [DesiredResource.Field] = []
                    switch route.handler {
                    case .reverseProxy(let upstreams)?:
                        fields += [.init("handler", "reverse_proxy"), .init("upstreams", upstreams.joined(separator: ", "))]
                    case .phpFastcgi(let upstreams)?:
                        fields += [.init("handler", "php_fastcgi"), .init("upstreams", upstreams.joined(separator: ", "))]
                    case .fileServer(let root)?:
                        fields += [.init("handler", "file_server"), .init("root", root ?? "")]
                    case .respond(let status, let body)?:
                        fields += [.init("handler", "respond"), .init("status", status), .init("body", body ?? "")]
                    case .redir(let to, let status)?:
                        fields += [.init("handler", "redir"), .init("to", to), .init("status", status)]
                    case .abort?:
                        fields.append(.init("handler", "abort"))
                    case .error(let status)?:
                        fields += [.init("handler", "error"), .init("status", status)]
                    case nil:
                        fields.append(.init("handler", "none (middleware only)"))
                    }
                    if !route.conditions.isEmpty { fields.append(.init("match", route.conditions.joined(separator: " "))) }
                    for item in route.middleware { fields.append(.init(item.name, item.expectedText)) }
                    fields.append(.init("strip_prefix", route.stripPrefix ?? ""))
                    resources.append(
                        DesiredResource(
                            checker: Self.identifier, kind: "route",
                            name: "\(label) \(route.path)" + (route.conditions.isEmpty ? "" : " " + route.conditions.joined(separator: " "))
                                + (route.handler == nil ? " (middleware)" : ""),
                            findingResource: route.path.text, fields: fields, position: route.position, orderedWithin: label))
                }
            }
        }
        return resources
    }
}
