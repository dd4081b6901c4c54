import ReconcileKit

/// `reconcile discover`'s `host:` section: the sockets the discovered services say they
/// listen on (Caddy's servers and admin API, the ports containers publish), looked up in
/// the host's own socket table by the checker's `observe`, each written with the
/// executable that holds it. Only what the other sections discovered is written: a
/// host's every listener is not this stack's desired state.
extension HostChecker: Discovering {
    public static let discoveredAfter = ["caddy", "docker"]

    public func discover(_ request: DiscoveryRequest, earlier: Discoveries, in context: ObservationContext) async throws
        -> HostObservation?
    {
        let wanted = Self.wanted(earlier.listeners)
        guard !wanted.isEmpty else { return nil }
        return try await observe(HostSpec(listen: wanted.map { ListenSpec(port: $0.port, address: $0.address) }), in: context)
    }

    public func describe(_ observation: HostObservation, request: DiscoveryRequest, earlier: Discoveries)
        -> DiscoveredSection
    {
        guard let sockets = observation.sockets else {
            return .unobserved("the listening sockets could not be read: \(observation.socketsProblem ?? "no reason given")")
        }
        var items: [YAMLItem] = []
        var comments: [String] = []
        for listener in Self.wanted(earlier.listeners) {
            let resource = portResource(port: listener.port, address: listener.address)
            let matching = sockets.filter {
                $0.address.port == listener.port && (listener.address == nil || $0.address.ip == listener.address)
            }
            guard !matching.isEmpty else {
                comments.append("CONFIRM: \(listener.owner) is configured to listen on \(resource), but nothing does (not written)")
                continue
            }
            var fields = [YAMLEntry("port", .int(listener.port))]
            if let address = listener.address { fields.append(YAMLEntry("address", .string(address))) }
            let owners = Set(matching.flatMap(\.owners).map(\.name)).sorted()
            var notes = ["\(listener.owner)"]
            if owners.isEmpty {
                notes.append("its owner cannot be seen from here, so no process is written")
            } else if owners.allSatisfy({ HostVerdict.proxies.contains($0) }) {
                notes.append("held by \(owners.joined(separator: ", ")) for a container, so no process is written")
            } else if owners.count == 1, Self.isProcessName(owners[0]) {
                fields.append(YAMLEntry("process", .string(owners[0])))
            } else {
                notes.append("held by \(owners.joined(separator: ", ")), so no single process is written")
            }
            items.append(YAMLItem(.map(fields), comments: notes))
        }
        return DiscoveredSection(
            value: items.isEmpty ? nil : .map([YAMLEntry("listen", .list(items))]),
            comments: ["Host: the sockets the discovered services listen on, and who holds them now."] + comments)
    }

    /// Each listener once (the first owner to name it), in a stable order.
    static func wanted(_ listeners: [DiscoveredListener]) -> [DiscoveredListener] {
        var seen: Set<String> = []
        return listeners.filter { seen.insert("\($0.address ?? "*") \($0.port)").inserted }
            .sorted { ($0.port, $0.address ?? "") < ($1.port, $1.address ?? "") }
    }

    /// An executable's name as `host.listen[].process` accepts it.
    static func isProcessName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 255 && !name.contains("/") && !name.contains(where: \.isWhitespace)
    }
}
