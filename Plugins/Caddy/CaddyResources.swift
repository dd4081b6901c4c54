import ReconcileKit

extension CaddyChecker: ResourceDescribing {
    /// Each written route keyed by its site and path; a Caddyfile is one resource whose
    /// content is its blob at the ref (its routes are known only once adapted).
    public func resources(of spec: CaddySpec, in desired: DesiredState) -> [DesiredResource] {
        var resources = [
            DesiredResource(
                checker: Self.identifier, kind: "admin", name: "admin", fields: [.init("admin", spec.admin.description)],
                position: spec.position)
        ]
        switch spec.desired {
        case .caddyfile(let path, let position):
            let content = (try? desired.source.read(path)).map { String(decoding: $0, as: UTF8.self) } ?? "(missing)"
            resources.append(
                DesiredResource(
                    checker: Self.identifier, kind: "caddyfile", name: path,
                    fields: [.init("content", "\(content.split(separator: "\n").count) lines, digest \(StableDigest.hex(content))")],
                    position: position))
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
                            findingResource: route.path.text, fields: fields, position: route.position))
                }
            }
        }
        return resources
    }
}
