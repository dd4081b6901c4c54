/// What a manifest may make reconcile execute or read on this host, field by field:
/// `reconcile validate`'s listing. A refused field is an error (the manifest would not
/// fully run here, and the message says what the operator config must say); an allowed
/// one is a note, so a reviewer sees every execution and secret a change brings.
public struct TrustReview: Sendable {
    /// One field and the operator config's decision.
    public struct Entry: Sendable, Hashable {
        public let field: TrustField
        public let decision: TrustDecision

        /// `runs /srv/venv/bin/python on this host (allowed: …)` or `… not allowed: …`.
        public var message: String {
            switch decision {
            case .allowed(let because): "\(field.request.action) (allowed: \(because))"
            case .refused(let reason): "\(field.request.action): not allowed: \(reason)"
            }
        }

        /// The refusal as a manifest error at the field, nil when allowed.
        public var error: ManifestError? {
            decision.isAllowed ? nil : ManifestError(position: field.position, keyPath: field.keyPath, message: message)
        }

        /// `file:line:col: key: note: message`, for the text listing.
        public var note: String {
            let position = field.position
            return "\(position.file):\(position.line):\(position.column): \(field.keyPath): note: \(message)"
        }
    }

    public let entries: [Entry]

    /// Every trust field of `manifest`, decided by `config`, in file order.
    public init(_ manifest: Manifest, config: OperatorConfig) {
        let webhooks = manifest.notify.enumerated().map { index, target in
            let key: String
            switch target.url {
            case .environment: key = "url_env"
            case .file: key = "url_file"
            }
            return TrustField(.webhookURL(target.url), position: target.position, keyPath: "notify[\(index)].\(key)")
        }
        // What apply: grants, once the host caps it (else the manifest alone decides, and
        // there is nothing for a reviewer to weigh).
        var grants: [TrustField] = []
        if config.apply != nil, let policy = manifest.apply {
            grants = policy.granted.map { permission in
                TrustField(
                    .applyPermission(permission), position: policy.position,
                    keyPath: permission == "caddy" ? "apply.caddy" : "apply.docker")
            }
        }
        entries = (manifest.checks.flatMap(\.trustFields) + webhooks + grants)
            .sorted { ($0.position.line, $0.position.column) < ($1.position.line, $1.position.column) }
            .map { Entry(field: $0, decision: config.decide($0.request)) }
    }

    public var errors: [ManifestError] { entries.compactMap(\.error) }
}
