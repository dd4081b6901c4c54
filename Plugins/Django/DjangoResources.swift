import ReconcileKit

extension DjangoChecker: ResourceDescribing {
    /// `runner` and `timeout_ms` are planned by their values (the runner in full: its
    /// container, endpoint, python, workdir and environment).
    public static let describedKeys = DescribedKeys.only([
        "settings", "settings_module", "media_served_by_django", "console_logging", "deploy_check",
    ])

    /// Each pinned setting is its own resource (`DEBUG`), beside the
    /// project-wide expectations.
    public func resources(of spec: DjangoSpec, in desired: DesiredState) -> [DesiredResource] {
        let project = DesiredResource(
            checker: Self.identifier, kind: "project", name: spec.settingsModule,
            fields: [
                .init("media_served_by_django", spec.mediaServedByDjango.map(String.init) ?? ""),
                .init("console_logging", spec.consoleLogging.map(DjangoFixes.describe) ?? ""),
                .init(
                    "deploy_check",
                    spec.deployCheck.map { "fail_level \($0.failLevel.rawValue), ignore [\($0.ignore.joined(separator: ", "))]" } ?? ""),
            ], position: spec.position)
        return [project]
            + spec.settings.map { setting in
                DesiredResource(
                    checker: Self.identifier, kind: "setting", name: setting.name,
                    fields: [
                        .init(
                            "value",
                            SecretName.hides(setting.name, setting.value.description)
                                ? SecretFingerprint.of(setting.value.description) : setting.value.description)
                    ], position: setting.position)
            }
    }
}
