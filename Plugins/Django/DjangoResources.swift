import ReconcileKit

extension DjangoChecker: ResourceDescribing {
    /// Each pinned setting is its own resource (`DEBUG`), beside the runner and the
    /// project-wide expectations.
    public func resources(of spec: DjangoSpec, in desired: DesiredState) -> [DesiredResource] {
        let runner: String
        switch spec.runner {
        case .container(let container): runner = "container \(container.name)"
        case .local(let local): runner = "local \(local.python) in \(local.workdir)"
        }
        let project = DesiredResource(
            checker: Self.identifier, kind: "project", name: spec.settingsModule,
            fields: [
                .init("runner", runner), .init("media_served_by_django", spec.mediaServedByDjango.map(String.init) ?? ""),
                .init("console_logging", spec.consoleLogging.map(DjangoFixes.describe) ?? ""),
                .init(
                    "deploy_check",
                    spec.deployCheck.map { "fail_level \($0.failLevel.rawValue), ignore [\($0.ignore.joined(separator: ", "))]" } ?? ""),
            ], position: spec.position)
        return [project]
            + spec.settings.map { setting in
                DesiredResource(
                    checker: Self.identifier, kind: "setting", name: setting.name, fields: [.init("value", setting.value.description)],
                    position: setting.position)
            }
    }
}
