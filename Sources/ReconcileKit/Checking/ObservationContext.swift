import CurlHTTP
import Foundation
import Logging

/// Whether reconcile may change anything. In `dryRun` the HTTP client given to
/// checkers refuses every non-read-only request, so read-only is enforced, not hoped.
/// The one exception is Docker's exec create/start, which the Django checker needs to
/// run its read-only introspection in a container (`RequestPolicy.readOnlyWithDockerExec`).
public enum RunMode: String, Sendable, Codable {
    case dryRun = "dry-run"
    case apply
}

/// What a checker may use while observing: the HTTP client (with the run mode's
/// request policy already applied), the desired-state source (to read other files at
/// the same ref, e.g. a Caddyfile or a compose file), the process environment (for
/// secrets named in the manifest), and a logger.
public struct ObservationContext: Sendable {
    public let mode: RunMode
    public private(set) var http: HTTPClient
    public let source: any DesiredStateSource
    /// The environment secrets are read from (`bearer_token_env`); injectable for tests.
    public let environment: [String: String]
    public let logger: Logger
    /// Whether a checker may write a short-lived probe file to prove a path end to end
    /// (`--probe-write`; the media chain's live proof). Off by default: a dry run reads.
    public let allowsProbeWrites: Bool
    /// Where a checker registers each secret it reads (a bearer token), so that every
    /// output of the run masks it, in all its encodings.
    public let secrets: SecretRegistry
    /// What this host lets manifests make reconcile execute or read (interpreters,
    /// containers, token variables and files, runner environment); checkers ask it
    /// where the thing happens.
    public let operatorConfig: OperatorConfig
    /// Observations shared within one run, and the manifest this context serves.
    var sharing: (observations: SharedObservations, manifest: String)?
    /// The checkers of this run that will read this check's observation (they name its
    /// checker in their `inputs`), set by ``Reconciler``; nil where that is not known
    /// (discovery, a context made by hand), which means anyone may. A checker can leave
    /// out work only readers need: the Docker checker asks for every container (Podman's
    /// slowest answer) only when the host or media checker will read them.
    public package(set) var readers: Set<String>?
    /// The decoded sections of the manifest this context serves (set by ``Reconciler``).
    var desiredSections: [any Sendable] = []
    /// When the reconciler stops waiting for this check (set by ``Reconciler``); what a
    /// check hands on to a process it starts (an external checker's `deadline_ms`).
    public internal(set) var deadline: ContinuousClock.Instant?

    /// The context of a run in `mode`: its HTTP client enforces the mode's request policy.
    /// This is the only place a checker's client is made, so no checker can forget the
    /// policy or choose a looser one.
    public init(
        mode: RunMode, source: any DesiredStateSource, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "reconcile"), allowsProbeWrites: Bool = false, secrets: SecretRegistry = SecretRegistry(),
        operatorConfig: OperatorConfig = .defaults
    ) {
        self.mode = mode
        self.http = HTTPClient(policy: mode == .dryRun ? .readOnlyWithDockerExec : .allowAll)
        self.source = source
        self.environment = environment
        self.logger = logger
        self.allowsProbeWrites = allowsProbeWrites
        self.secrets = secrets
        self.operatorConfig = operatorConfig
    }

    /// For this package's tests only: a context whose client enforces `policy` instead of
    /// the mode's (to prove what a stricter policy refuses).
    package init(mode: RunMode, policy: RequestPolicy, source: any DesiredStateSource) {
        self.init(mode: mode, source: source)
        http = HTTPClient(policy: policy)
    }
}

extension ObservationContext {
    /// The observation another checker made of the same manifest in this run (declare
    /// that checker in `inputs`). Waits for it if it is still being made.
    /// - Throws: `MissingObservation` when the manifest has no section for that checker,
    ///   or when its observation failed (with the reason).
    public func observation<C: Checker>(of checker: C.Type) async throws -> C.Observation {
        guard let sharing, let task = sharing.observations.task(manifest: sharing.manifest, checker: C.identifier) else {
            throw MissingObservation(checker: C.identifier, reason: "the manifest has no \(C.Spec.key): section")
        }
        let value: any Sendable
        do {
            value = try await task.value
        } catch {
            throw MissingObservation(checker: C.identifier, reason: "its observation failed: \(error)")
        }
        guard let observation = value as? C.Observation else {
            throw MissingObservation(checker: C.identifier, reason: "it produced an unexpected observation type")
        }
        return observation
    }

    /// Another section of the same manifest, as decoded: for a checker whose observation
    /// depends on what that section desires (the Django checker asks which environment
    /// values the docker section gives the app's container, so that its fix never
    /// contradicts them). Desired state only, never an observation; nil outside a run,
    /// or when the manifest has no such section.
    public func desiredSection<S: ManifestSection>(_ type: S.Type) -> S? {
        desiredSections.lazy.compactMap { $0 as? S }.first
    }
}

/// Another checker's observation was needed but is not there.
public struct MissingObservation: Error, Sendable, CustomStringConvertible {
    public let checker: String
    public let reason: String
    public var description: String { "no \(checker) observation: \(reason)" }
}

extension ObservationContext {
    /// The client notifications are sent with: one POST per message to the operator's
    /// webhooks over TCP, nothing else (never a unix socket such as Docker's or Caddy's
    /// admin). Made here so that every client reconcile uses, and its policy, comes from
    /// this one file.
    static func notificationClient() -> HTTPClient {
        HTTPClient(policy: RequestPolicy(name: "notify") { method, _, socket in method == "POST" && socket == nil })
    }
}
