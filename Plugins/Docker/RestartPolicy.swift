/// A restart policy as `docker run --restart` spells it: `no`, `always`,
/// `unless-stopped`, `on-failure` or `on-failure:N`.
public struct RestartPolicy: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The policy names Docker accepts (Podman reports `no` as an empty name).
    public enum Name: String, Sendable, Hashable, Codable, CaseIterable {
        case no
        case always
        case unlessStopped = "unless-stopped"
        case onFailure = "on-failure"
    }

    public var name: Name
    /// Only for `on-failure`; nil or 0 means unlimited (and is not compared when nil).
    public var maximumRetryCount: Int?

    public init(_ name: Name, maximumRetryCount: Int? = nil) {
        self.name = name
        self.maximumRetryCount = maximumRetryCount
    }

    /// Parses `docker run --restart` syntax; nil if it is not one.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let first = parts.first, let name = Name(rawValue: first) else { return nil }
        if parts.count == 2 {
            guard name == .onFailure, let count = Int(parts[1]), count >= 0 else { return nil }
            self.init(name, maximumRetryCount: count)
        } else {
            self.init(name)
        }
    }

    public var description: String {
        if name == .onFailure, let count = maximumRetryCount, count > 0 { return "on-failure:\(count)" }
        return name.rawValue
    }

    /// True when `observed` satisfies this (desired) policy: the retry count is only
    /// compared when the manifest gives one.
    func isSatisfied(by observed: RestartPolicy) -> Bool {
        guard name == observed.name else { return false }
        guard name == .onFailure, let wanted = maximumRetryCount else { return true }
        return wanted == (observed.maximumRetryCount ?? 0)
    }
}
