/// One change reconcile can make to a live service, as a plain value: the same value is
/// shown in a dry run's plan, executed by apply, written to the journal and listed in the
/// report, so what was promised, what was done and what was recorded cannot differ.
///
/// Plugins build actions in their pure `plan`; only `Fixer.apply` gives them effect.
public struct Action: Sendable, Hashable, Codable {
    /// The checker that planned it and will apply it (`caddy`, `docker`).
    public var checker: String
    /// The resource it changes, as the finding names it (`/media/*`, `backend`).
    public var resource: String
    /// What is done, for people: `PATCH caddy route /media/* root → /srv/rims/media`,
    /// `docker start backend`.
    public var summary: String
    /// The live value before, and the value after, for the journal (never a secret).
    public var before: String?
    public var after: String?
    /// The `apply:` permission it needs: `caddy`, or `docker.start`, `docker.restart_policy`,
    /// `docker.volumes`, `docker.recreate`.
    public var permission: String
    /// The plugin's own instructions (JSON it encoded), opaque to the reconciler and
    /// never rendered.
    public var payload: String
    /// Other actions reaching the same state, in order of preference, for when the
    /// policy does not allow this one or the service lacks the call it makes (Podman 4's
    /// Docker API has no `/containers/{id}/update`: a restart policy then changes only by
    /// recreating the container). The plan keeps those the policy allows; apply tries
    /// the next one when an action throws ``ApplyUnsupported``.
    public var alternatives: [Action]

    public init(
        checker: String, resource: String, summary: String, before: String? = nil, after: String? = nil,
        permission: String, payload: String = "{}", alternatives: [Action] = []
    ) {
        self.checker = checker
        self.resource = resource
        self.summary = summary
        self.before = before
        self.after = after
        self.permission = permission
        self.payload = payload
        self.alternatives = alternatives
    }
}

extension Action {
    /// The same change, whatever alternatives each carries: one step repairs every
    /// finding it answers (a recreate planned for a mount and for a restart policy).
    func same(as other: Action) -> Bool {
        var (left, right) = (self, other)
        (left.alternatives, right.alternatives) = ([], [])
        return left == right
    }
}

/// What a plugin's plan says about one drift finding: the action that repairs it, or why
/// reconcile will not repair it (a setting in code, a shadowed route that needs
/// reordering by hand).
public enum Remedy: Sendable, Hashable {
    case action(Action)
    case manual(String)
}

/// Where an action got to. Closed and string-backed: scripts match these words.
public enum ActionStatus: String, Sendable, Codable, CaseIterable {
    /// Shown by a dry run (or not yet executed).
    case planned
    /// Executed and kept.
    case applied
    /// Not executed: the `apply:` policy does not allow it, the manifest has none, the
    /// prompt was declined, or an earlier failure stopped the run.
    case skipped
    /// Executed and it failed.
    case failed
    /// Executed, then undone because verification failed or the run was interrupted.
    case rolledBack = "rolled_back"
}

/// One action's line in the report: `{checker, resource, action, kind, status, detail}`.
public struct ActionOutcome: Sendable, Hashable, Codable, EncodesEveryField {
    public var checker: String
    public var resource: String
    /// The action's summary.
    public var action: String
    /// What kind of change it is, from a closed set: the `apply:` permission it needs
    /// (`caddy`, `docker.start`, `docker.restart_policy`, `docker.volumes`,
    /// `docker.recreate`). `reconcile_actions_total`'s `action` label holds this, never the
    /// summary: a label's values must stay few, and a summary quotes live values.
    public var kind: String
    public var status: ActionStatus
    /// Why (skipped, failed, rolled back) or what came of it; nil when nothing to add.
    public var detail: String?

    public init(_ action: Action, status: ActionStatus, detail: String? = nil) {
        checker = action.checker
        resource = action.resource
        self.action = action.summary
        kind = action.permission
        self.status = status
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey { case checker, resource, action, kind, status, detail }

    /// Reads a report; one recorded before `kind` existed (an older history line) reads
    /// `unknown` there.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        checker = try container.decode(String.self, forKey: .checker)
        resource = try container.decode(String.self, forKey: .resource)
        action = try container.decode(String.self, forKey: .action)
        kind = try container.decodeIfPresent(String.self, forKey: .kind) ?? "unknown"
        status = try container.decode(ActionStatus.self, forKey: .status)
        detail = try container.decodeIfPresent(String.self, forKey: .detail)
    }
}
