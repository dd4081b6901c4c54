import Foundation

/// The status page's picture of the stack, as inline SVG, drawn from the last report's
/// findings: health URLs → Caddy routes → upstream, container or host path → volume →
/// container path → Django MEDIA_ROOT. Each media chain is one row whose links are the
/// media checker's findings (its `caddy route`, `mount` and `MEDIA_ROOT` links); every
/// other Caddy route is a row to its upstream or root; Docker containers sit in the third
/// column. A drifted link is drawn red and labelled with what was observed; an unknown
/// one is grey and dashed. Pure: report in, markup out, every label escaped and shortened
/// to fit its box (`TextWidth`; the whole text is the element's `<title>`, shown on hover).
public struct StackPicture {
    struct Node {
        let column: Int
        let row: Int
        let title: String
        let detail: String
        let status: Status
    }

    struct Link {
        let from: (column: Int, row: Int)
        let to: (column: Int, row: Int)
        let status: Status
        let name: String
        let label: String
    }

    static let columns = [
        "Health URLs", "Caddy routes", "Upstream / host path", "Volume", "Container path", "Django MEDIA_ROOT",
    ]
    static let columnWidth = 196
    static let nodeWidth = 160
    static let nodeHeight = 54
    static let rowHeight = 92
    static let top = 44

    var nodes: [Node] = []
    var links: [Link] = []

    public init(_ report: Report) {
        let findings = report.findings
        let health = findings.filter { $0.checker == "health" }
        let chains = Self.mediaChains(findings)
        let routes = findings.filter { $0.checker == "caddy" && $0.resource.hasPrefix("/") }
        var row = 0
        for chain in chains {
            add(chain: chain, row: row)
            row += 1
        }
        let servedByChains = Set(chains.compactMap { $0.routePath })
        for route in routes where !servedByChains.contains(route.resource) {
            nodes.append(Node(column: 1, row: row, title: route.resource, detail: "caddy route", status: route.status))
            let target = Self.target(route.expected)
            nodes.append(Node(column: 2, row: row, title: target.title, detail: target.detail, status: route.status))
            links.append(
                Link(from: (1, row), to: (2, row), status: route.status, name: "caddy \(route.resource)", label: Self.linkLabel(route)))
            row += 1
        }
        let containers = findings.filter { $0.checker == "docker" }
        var byContainer: [String: Status] = [:]
        var order: [String] = []
        for finding in containers {
            if byContainer[finding.resource] == nil { order.append(finding.resource) }
            byContainer[finding.resource] = Status.worst(of: [byContainer[finding.resource] ?? .ok, finding.status])
        }
        // Docker's findings name containers, and volumes as `volume NAME`: containers go
        // down the third column and volumes down the fourth, side by side.
        var next = [2: row, 3: row]
        for name in order {
            let status = byContainer[name] ?? .ok
            let isVolume = name.hasPrefix("volume ")
            let column = isVolume ? 3 : 2
            nodes.append(
                Node(
                    column: column, row: next[column] ?? row, title: isVolume ? String(name.dropFirst("volume ".count)) : name,
                    detail: isVolume ? "docker volume" : "container", status: status))
            next[column, default: row] += 1
        }
        if !health.isEmpty {
            let status = Status.worst(of: health.map(\.status))
            let drifting = health.filter { $0.status != .ok }.map(\.resource)
            nodes.append(
                Node(
                    column: 0, row: 0, title: "\(health.count) health URL\(health.count == 1 ? "" : "s")",
                    detail: drifting.isEmpty ? "all answer" : drifting.joined(separator: ", "), status: status))
            for (index, target) in Set(nodes.filter { $0.column == 1 }.map(\.row)).sorted().enumerated() {
                links.append(
                    Link(
                        from: (0, 0), to: (1, target), status: status, name: "health",
                        label: status == .ok || index > 0 ? "" : drifting.joined(separator: ", ")))
            }
        }
    }

    /// One media chain's findings, by link.
    struct Chain {
        let name: String
        var route: Finding?
        var mount: Finding?
        var mediaRoot: Finding?
        var routePath: String? {
            route?.expected.flatMap { $0.split(separator: " ").first.map(String.init) }
        }
    }

    static func mediaChains(_ findings: [Finding]) -> [Chain] {
        var chains: [Chain] = []
        for finding in findings where finding.checker == "media" {
            guard let colon = finding.resource.range(of: ": ") else { continue }
            let name = String(finding.resource[..<colon.lowerBound])
            let link = String(finding.resource[colon.upperBound...])
            var index = chains.firstIndex { $0.name == name }
            if index == nil {
                chains.append(Chain(name: name))
                index = chains.count - 1
            }
            switch link {
            case "caddy route": chains[index!].route = finding
            case "mount": chains[index!].mount = finding
            case "MEDIA_ROOT": chains[index!].mediaRoot = finding
            default: break
            }
        }
        return chains
    }

    private mutating func add(chain: Chain, row: Int) {
        // Expected texts: "/media/* → strip /media, file_server root /srv/media",
        // "/srv/media mounted at /app/media", MEDIA_ROOT "/app/media".
        let routeStatus = chain.route?.status ?? .unknown
        let mountStatus = chain.mount?.status ?? .unknown
        let rootStatus = chain.mediaRoot?.status ?? .unknown
        let routePath = chain.routePath ?? "media route"
        let hostPath =
            chain.route?.expected.flatMap { Self.after("root ", in: $0) } ?? chain.mount?.expected.flatMap {
                Self.before(" mounted at ", in: $0)
            } ?? "host path"
        let containerPath = chain.mediaRoot?.expected ?? chain.mount?.expected.flatMap { Self.after("mounted at ", in: $0) } ?? "?"
        nodes.append(Node(column: 1, row: row, title: routePath, detail: "media: \(chain.name)", status: routeStatus))
        nodes.append(Node(column: 2, row: row, title: hostPath, detail: "host path", status: Status.worst(of: [routeStatus, mountStatus])))
        nodes.append(Node(column: 3, row: row, title: Self.volume(chain.mount), detail: "volume", status: mountStatus))
        nodes.append(Node(column: 4, row: row, title: containerPath, detail: "container path", status: mountStatus))
        nodes.append(
            Node(
                column: 5, row: row, title: chain.mediaRoot?.observed ?? chain.mediaRoot?.expected ?? "?", detail: "MEDIA_ROOT",
                status: rootStatus))
        links.append(
            Link(from: (1, row), to: (2, row), status: routeStatus, name: "\(chain.name): caddy route", label: Self.linkLabel(chain.route)))
        links.append(
            Link(from: (2, row), to: (3, row), status: mountStatus, name: "\(chain.name): mount", label: Self.linkLabel(chain.mount)))
        links.append(Link(from: (3, row), to: (4, row), status: mountStatus, name: "\(chain.name): mount target", label: ""))
        links.append(
            Link(
                from: (4, row), to: (5, row), status: rootStatus, name: "\(chain.name): MEDIA_ROOT", label: Self.linkLabel(chain.mediaRoot))
        )
    }

    /// What a route leads to, from its expected handler: the upstream or the root as the
    /// node's title (what differs between hosts), the handler as its detail.
    static func target(_ expected: String?) -> (title: String, detail: String) {
        guard let expected else { return ("upstream", "expected") }
        if let upstream = after("reverse_proxy ", in: expected) { return (upstream, "reverse_proxy") }
        if let root = after("file_server root ", in: expected) { return (root, "file_server") }
        return (expected, "expected")
    }

    /// The volume's name from the mount link's observation ("volume media_data …"), else its kind.
    static func volume(_ mount: Finding?) -> String {
        guard let observed = mount?.observed else { return "volume" }
        if let name = after("volume ", in: observed) { return String(name.split(separator: " ").first ?? "volume") }
        return observed
    }

    /// What a drifted or unknown link shows: what was observed (shortened to fit when drawn).
    static func linkLabel(_ finding: Finding?) -> String {
        guard let finding, finding.status != .ok else { return "" }
        return finding.observed ?? finding.message
    }

    static func after(_ marker: String, in text: String) -> String? {
        text.range(of: marker).map { String(text[$0.upperBound...]) }
    }

    static func before(_ marker: String, in text: String) -> String? {
        text.range(of: marker).map { String(text[..<$0.lowerBound]) }
    }

    /// The room for text inside a node (its padding on both sides taken off), and for a
    /// link's label (its column, less the gap before the next label).
    static let titleRoom = Double(nodeWidth - 2 * textInset)
    static let labelRoom = Double(columnWidth - 12)
    static let textInset = 10

    /// `text` shortened to fit `room` in the class's font: a path keeps its end.
    static func fitted(_ text: String, room: Double, size: Double, bold: Bool) -> String {
        TextWidth.fitted(text, width: room, size: size, bold: bold, keep: text.hasPrefix("/") || text.hasPrefix("…") ? .end : .start)
    }

    /// The `<svg>` element.
    public func render() -> String {
        let rows = (nodes.map(\.row).max() ?? 0) + 1
        let width = Self.columns.count * Self.columnWidth
        let height = Self.top + rows * Self.rowHeight
        var svg = """
            <svg class="stack" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" role="img" aria-label="The stack, layer by layer">
            <defs>
            <marker id="arrow-ok" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#5b6b7a"/></marker>
            <marker id="arrow-drift" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#d1242f"/></marker>
            <marker id="arrow-unknown" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#9a6700"/></marker>
            </defs>

            """
        for (index, title) in Self.columns.enumerated() {
            svg += "<text class=\"column\" x=\"\(index * Self.columnWidth + 8)\" y=\"22\">\(UntrustedText.html(title))</text>\n"
        }
        for link in links {
            let (x1, y1) = (link.from.column * Self.columnWidth + 8 + Self.nodeWidth, y(link.from.row) + Self.nodeHeight / 2)
            let (x2, y2) = (link.to.column * Self.columnWidth + 8, y(link.to.row) + Self.nodeHeight / 2)
            let color = Self.color(link.status)
            svg += "<g class=\"link \(link.status.rawValue)\" data-link=\"\(UntrustedText.html(link.name))\">"
            if !link.label.isEmpty { svg += "<title>\(UntrustedText.html(link.label))</title>" }
            svg +=
                "<line x1=\"\(x1)\" y1=\"\(y1)\" x2=\"\(x2 - 2)\" y2=\"\(y2)\" stroke=\"\(color)\" stroke-width=\"\(link.status == .drift ? 3 : 2)\""
            svg += link.status == .unknown ? " stroke-dasharray=\"5 4\"" : ""
            svg += " marker-end=\"url(#arrow-\(link.status.rawValue))\"/>"
            if !link.label.isEmpty {
                // Under the link's source node, in the gap between rows: "✗ what was observed".
                let (lx, ly) = (x1 - Self.nodeWidth, y(link.from.row) + Self.nodeHeight + 16)
                let room = Self.labelRoom - TextWidth.of("✗ ", size: 11, bold: true)
                let label = Self.fitted(link.label, room: room, size: 11, bold: true)
                svg += "<text class=\"link-label\" x=\"\(lx)\" y=\"\(ly)\" fill=\"\(color)\">✗ \(UntrustedText.html(label))</text>"
            }
            svg += "</g>\n"
        }
        for node in nodes {
            let x = node.column * Self.columnWidth + 8
            let y = y(node.row)
            svg += "<g class=\"node \(node.status.rawValue)\"><title>\(UntrustedText.html("\(node.title) (\(node.detail))"))</title>"
            svg +=
                "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(Self.nodeWidth)\" height=\"\(Self.nodeHeight)\" rx=\"6\" fill=\"\(Self.fill(node.status))\" stroke=\"\(Self.color(node.status))\" stroke-width=\"\(node.status == .drift ? 2.5 : 1.5)\"/>"
            let title = Self.fitted(node.title, room: Self.titleRoom, size: 13, bold: true)
            let detail = Self.fitted(node.detail, room: Self.titleRoom, size: 11, bold: false)
            svg += "<text x=\"\(x + Self.textInset)\" y=\"\(y + 22)\" class=\"node-title\">\(UntrustedText.html(title))</text>"
            svg += "<text x=\"\(x + Self.textInset)\" y=\"\(y + 41)\" class=\"node-detail\">\(UntrustedText.html(detail))</text>"
            svg += "</g>\n"
        }
        return svg + "</svg>"
    }

    private func y(_ row: Int) -> Int { Self.top + row * Self.rowHeight }

    static func color(_ status: Status) -> String {
        switch status {
        case .ok: "#5b6b7a"
        case .drift: "#d1242f"
        case .unknown: "#9a6700"
        }
    }

    static func fill(_ status: Status) -> String {
        switch status {
        case .ok: "#f6f8fa"
        case .drift: "#ffebe9"
        case .unknown: "#fff8c5"
        }
    }
}
