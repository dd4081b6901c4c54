import Foundation
import ReconcileKit

/// Docker's repairs through the Engine API: start, restart policy, volume create, each
/// with its exact opposite as undo (stop, the previous policy, remove the volume it made),
/// and recreate (``DockerRecreate``: undo brings the old container back). A restart
/// policy the engine cannot update in place (Podman 4.3 has no update call) is
/// `ApplyUnsupported`, so the planned recreate alternative runs instead.
extension DockerChecker: Fixer {
    /// The action that was applied (its payload says how to undo it).
    public struct Applied: Sendable {
        let fix: DockerFix
        /// The new container's id (recreate).
        var replacement: String?
    }

    public static var manualReason: String {
        "a container's image, ports, mounts and environment are fixed when it is created; recreate it by hand (as the fix says); "
            + "apply.docker: [recreate] replaces a running container whose image, ports, mounts or environment values differ"
    }

    public func plan(_ spec: DockerSpec, observation: DockerObservation, findings: [Finding]) -> [Int: Remedy] {
        DockerPlan.remedies(spec, observation, findings)
    }

    public func apply(_ action: Action, spec: DockerSpec, in context: ApplyContext) async throws -> Applied {
        let fix = try JSONDecoder().decode(DockerFix.self, from: Data(action.payload.utf8))
        let client = try Self.client(fix, context)
        switch fix.kind {
        case .recreate:
            // It brings the old container back itself when the replacement fails.
            return Applied(fix: fix, replacement: try await DockerRecreate(client: client, fix: fix).replace())
        case .start:
            try await Self.calling { () async throws(EngineProblem) in
                try await client.change("POST", "/containers/\(fix.target)/start", version: fix.version)
            }
        case .restartPolicy:
            try await Self.calling { () async throws(EngineProblem) in
                try await client.change(
                    "POST", "/containers/\(fix.target)/update", body: Self.policyBody(fix.policy), version: fix.version)
            }
        case .createVolume:
            var body: [String: String] = ["Name": fix.target]
            if let driver = fix.driver { body["Driver"] = driver }
            try await Self.calling { () async throws(EngineProblem) in
                try await client.change("POST", "/volumes/create", body: try? JSONEncoder().encode(body), version: fix.version)
            }
        }
        return Applied(fix: fix)
    }

    public func undo(_ applied: Applied, spec: DockerSpec, in context: ApplyContext) async throws {
        let fix = applied.fix
        let client = try Self.client(fix, context)
        try await Self.calling { () async throws(EngineProblem) in
            switch fix.kind {
            case .recreate:
                try await DockerRecreate(client: client, fix: fix).restore(removing: applied.replacement)
            case .start:
                try await client.change("POST", "/containers/\(fix.target)/stop", version: fix.version)
            case .restartPolicy:
                try await client.change(
                    "POST", "/containers/\(fix.target)/update", body: Self.policyBody(fix.previousPolicy),
                    version: fix.version)
            case .createVolume:
                try await client.change("DELETE", "/volumes/\(fix.target)", version: fix.version)
            }
        }
    }

    /// A recreate that stays: the parked old container goes.
    public func finish(_ applied: Applied, spec: DockerSpec, in context: ApplyContext) async throws {
        guard applied.fix.kind == .recreate else { return }
        let client = try Self.client(applied.fix, context)
        try await Self.calling { () async throws(EngineProblem) in
            try await DockerRecreate(client: client, fix: applied.fix).discardOld()
        }
    }

    /// Runs engine calls; a problem becomes the action's failure, in the engine's words
    /// (a call the engine lacks is `ApplyUnsupported`, so an alternative can be tried).
    static func calling(_ calls: () async throws(EngineProblem) -> Void) async throws {
        do throws(EngineProblem) {
            try await calls()
        } catch {
            if error.kind == .unsupportedCall { throw ApplyUnsupported(error.message) }
            throw ApplyFailure(error.message)
        }
    }

    static func client(_ fix: DockerFix, _ context: ApplyContext) throws -> DockerEngineClient {
        switch DockerEngineClient.resolveEndpoint(fix.endpoint) {
        case .success(let endpoint): return DockerEngineClient(endpoint: endpoint, http: context.http)
        case .failure(let problem): throw ApplyFailure(problem.message)
        }
    }

    /// `{"RestartPolicy": {"Name": …, "MaximumRetryCount": …}}` for `/containers/{id}/update`.
    static func policyBody(_ policy: RestartPolicy?) -> Data {
        let name = policy?.name.rawValue ?? "no"
        let count = policy?.maximumRetryCount ?? 0
        return Data(#"{"RestartPolicy":{"Name":"\#(name)","MaximumRetryCount":\#(count)}}"#.utf8)
    }
}
