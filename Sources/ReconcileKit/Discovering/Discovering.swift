/// What `reconcile discover` was asked to look at: the command's flags, in plain values,
/// so each checker's discover piece picks the ones it understands.
public struct DiscoveryRequest: Sendable, Hashable {
    /// `--caddy`: Caddy's admin API.
    public var caddyAdmin: String?
    /// `--docker`: the Docker engine; nil means `$DOCKER_HOST`, then the default socket.
    public var dockerEndpoint: String?
    /// Whether `--docker` was given (the engine is then asked even with no container named).
    public var dockerRequested: Bool
    /// `--container`: containers to describe.
    public var containers: [String]
    /// `--compose-project`: every container of this compose project.
    public var composeProject: String?
    /// `--django-container`, or `--django-python` with `--django-workdir`.
    public var djangoContainer: String?
    public var djangoPython: String?
    public var djangoWorkdir: String?
    /// `--settings-module` (DJANGO_SETTINGS_MODULE).
    public var settingsModule: String?
    /// `--health`: URLs whose answer is recorded as the expected one.
    public var healthURLs: [String]
    /// `--health-token-env`: the variable holding a bearer token for the health URLs; the
    /// manifest gets its name, never its value.
    public var healthTokenEnv: String?

    public init(
        caddyAdmin: String? = nil, dockerEndpoint: String? = nil, dockerRequested: Bool = false, containers: [String] = [],
        composeProject: String? = nil, djangoContainer: String? = nil, djangoPython: String? = nil,
        djangoWorkdir: String? = nil, settingsModule: String? = nil, healthURLs: [String] = [], healthTokenEnv: String? = nil
    ) {
        self.caddyAdmin = caddyAdmin
        self.dockerEndpoint = dockerEndpoint
        self.dockerRequested = dockerRequested
        self.containers = containers
        self.composeProject = composeProject
        self.djangoContainer = djangoContainer
        self.djangoPython = djangoPython
        self.djangoWorkdir = djangoWorkdir
        self.settingsModule = settingsModule
        self.healthURLs = healthURLs
        self.healthTokenEnv = healthTokenEnv
    }

    /// Whether the Docker engine is part of the stack: asked for, or needed to reach
    /// the containers named.
    public var usesDocker: Bool {
        dockerRequested || !containers.isEmpty || composeProject != nil || djangoContainer != nil
    }
}

/// A checker that can describe what it observes as its own manifest section: the piece
/// `reconcile discover` asks each checker for, so adding a checker never touches
/// discover's core.
///
/// `discover` observes with the checker's own `observe` (never a second client), with a
/// spec built from the request; `describe` is pure, so unit tests feed it observations
/// recorded from real services. What was inferred, and what a person should confirm,
/// goes into the section's comments; what the manifest cannot express yet goes into its
/// `gaps` (said in a comment too, never silently dropped).
public protocol Discovering: Checker {
    /// Identifiers of the checkers whose discoveries this one reads (discovered first).
    static var discoveredAfter: [String] { get }

    /// Observes for discover; nil when the request does not ask about this checker.
    func discover(_ request: DiscoveryRequest, earlier: Discoveries, in context: ObservationContext) async throws
        -> Observation?

    /// The manifest section that describes `observation`.
    func describe(_ observation: Observation, request: DiscoveryRequest, earlier: Discoveries) -> DiscoveredSection
}

extension Discovering {
    public static var discoveredAfter: [String] { [] }
}

/// One checker's part of a discovered manifest.
public struct DiscoveredSection: Sendable, Hashable {
    /// The section's value (under the checker's manifest key); nil writes no section.
    public var value: YAMLNode?
    /// Comment lines written above the section.
    public var comments: [String]
    /// What the stack has that the manifest cannot express yet (each also a comment).
    public var gaps: [String]
    /// Options of written resources that are not compared (the manifest has no key for
    /// them yet): the resource is written and compared without them (each also a comment).
    public var uncompared: [String]
    /// What could not be observed (the service did not answer): the run says so and
    /// exits 3, and the section says it in a comment.
    public var problems: [String]
    /// TCP sockets the discovered services listen on (for the host section).
    public var listeners: [DiscoveredListener]

    public init(
        value: YAMLNode?, comments: [String] = [], gaps: [String] = [], uncompared: [String] = [],
        problems: [String] = [], listeners: [DiscoveredListener] = []
    ) {
        self.value = value
        self.comments = comments
        self.gaps = gaps
        self.uncompared = uncompared
        self.problems = problems
        self.listeners = listeners
    }

    /// A section that could not be observed: no value, the reason as its problem.
    public static func unobserved(_ reason: String) -> DiscoveredSection {
        DiscoveredSection(value: nil, problems: [reason])
    }
}

/// A socket a discovered service listens on, as its own configuration says.
public struct DiscoveredListener: Sendable, Hashable {
    /// The address when the configuration names one; nil for every address.
    public var address: String?
    public var port: Int
    /// Who says so (`caddy`, `caddy admin`, `container backend`).
    public var owner: String

    public init(address: String?, port: Int, owner: String) {
        self.address = address
        self.port = port
        self.owner = owner
    }
}

/// The checkers discovered so far: their observations and sections, for pieces that
/// read across layers (the media chain, the host's listeners).
public struct Discoveries: Sendable {
    var observations: [String: any Sendable] = [:]
    public private(set) var sections: [String: DiscoveredSection] = [:]

    public init() {}

    /// What `checker` observed, when it was discovered.
    public func observation<C: Checker>(of checker: C.Type) -> C.Observation? {
        observations[C.identifier] as? C.Observation
    }

    /// Every listener the sections discovered so far declared.
    public var listeners: [DiscoveredListener] { sections.keys.sorted().flatMap { sections[$0]!.listeners } }

    /// Adds a discovered checker (the core does this; tests build earlier discoveries with it).
    public mutating func record(_ identifier: String, observation: any Sendable, section: DiscoveredSection) {
        observations[identifier] = observation
        sections[identifier] = section
    }
}

/// Discover could not do what it was asked (a flag that does not parse): the message
/// says which flag and why.
public struct DiscoveryFailure: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
