import Foundation
import ReconcileKit

/// An API version as the engine spells it (`1.41`), ordered numerically so `1.9` sorts
/// before `1.41`.
public struct APIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".")
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        self.init(major, minor)
    }

    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool { (lhs.major, lhs.minor) < (rhs.major, rhs.minor) }

    public var description: String { "\(major).\(minor)" }
}

/// Talks to the Docker Engine API (Docker or Podman's compatible service) over a unix
/// socket or TCP: GETs to observe, and `exec` (``exec(_:in:environment:workdir:version:)``)
/// for the Django checker's read-only introspection inside a container. It is the one
/// Docker client of reconcile; it never changes the engine's state.
///
/// Why negotiate: current Docker rejects requests for versions below its minimum
/// (Docker 29: 1.44) and answers unversioned paths with its newest schema, while
/// Podman accepts anything; asking `/version` first and pinning every later path to
/// one version makes both behave the same and keeps the JSON shape known.
public struct DockerEngineClient: Sendable {
    /// The API versions whose fields reconcile reads were checked against. The fields
    /// used (names, state, health, image, restart policy, port bindings, mounts,
    /// labels, env names, volumes) are unchanged across this range.
    public static let supportedVersions = APIVersion(1, 24)...APIVersion(1, 52)
    static let defaultSocket = "unix:///var/run/docker.sock"

    public let endpoint: HTTPEndpoint
    let http: HTTPClient
    let timeout: Duration

    public init(endpoint: HTTPEndpoint, http: HTTPClient, timeout: Duration = .seconds(10)) {
        self.endpoint = endpoint
        self.http = http
        self.timeout = timeout
    }

    /// The endpoint text to use: the manifest's, else `$DOCKER_HOST`, else the default
    /// socket. A pure function of its inputs so precedence is unit-tested.
    public static func endpointText(manifest: String?, environment: [String: String]) -> String {
        if let manifest { return manifest }
        if let host = environment["DOCKER_HOST"]?.trimmingCharacters(in: .whitespaces), !host.isEmpty { return host }
        return defaultSocket
    }

    /// Parses the endpoint, or explains why it cannot be used (`ssh://` in
    /// `$DOCKER_HOST`, a typo).
    public static func resolveEndpoint(_ text: String) -> Result<HTTPEndpoint, EngineProblem> {
        do {
            return .success(try HTTPEndpoint(parsing: text))
        } catch {
            let scheme = text.range(of: "://").map { String(text[..<$0.lowerBound]) } ?? ""
            let hint =
                ["ssh", "npipe", "fd"].contains(scheme)
                ? "reconcile speaks to the engine over unix:// or tcp:// only; point docker.endpoint (or DOCKER_HOST) at the engine's socket, e.g. unix:///var/run/docker.sock"
                : "fix docker.endpoint or DOCKER_HOST: use unix:///path/docker.sock or tcp://host:port"
            return .failure(EngineProblem(kind: .unsupportedEndpoint, message: error.message, hint: hint))
        }
    }

    /// The version to use: the highest both sides support, never below the engine's
    /// minimum. nil when the ranges do not overlap.
    public static func negotiate(serverAPI: APIVersion, serverMinimum: APIVersion?) -> APIVersion? {
        let highest = min(serverAPI, supportedVersions.upperBound)
        let lowest = max(serverMinimum ?? supportedVersions.lowerBound, supportedVersions.lowerBound)
        return highest >= lowest ? highest : nil
    }

    // MARK: Requests

    /// Negotiates as the Docker CLI does: `GET /_ping` and its `Api-Version` header (Podman
    /// answers it in about a millisecond, its `/version` takes 350–425 ms); `GET /version`
    /// only when an engine's ping names no version.
    public func connect() async throws(EngineProblem) -> EngineInfo {
        if let problem = Self.socketProblem(endpoint) { throw problem }
        if let info = Self.engineInfo(fromPing: try await get("/_ping")) { return try info.get() }
        return try Self.engineInfo(from: try await get("/version"), endpoint: endpoint).get()
    }

    /// Reads a `/_ping` answer: the engine's API version from `Api-Version`, its product
    /// and release from `Server` (`Docker/29.0.1 (linux)`, `Libpod/4.3.1 (linux)`); nil
    /// when it names no version. A ping does not say the engine's minimum version: an
    /// engine that rejects the negotiated one says so on the next request.
    static func engineInfo(fromPing response: HTTPResponse) -> Result<EngineInfo, EngineProblem>? {
        guard response.status == 200, let apiText = response.header("Api-Version"), let api = APIVersion(apiText) else { return nil }
        guard let chosen = negotiate(serverAPI: api, serverMinimum: nil) else {
            let range = supportedVersions
            return .failure(
                EngineProblem(
                    kind: .incompatibleVersion,
                    message: "the engine speaks API up to \(apiText); this reconcile speaks \(range.lowerBound)–\(range.upperBound)",
                    hint: "upgrade the Docker engine (API \(range.lowerBound) or newer is needed)"))
        }
        let server = response.header("Server")?.split(separator: " ").first?.split(separator: "/") ?? []
        let product =
            server.first.map { $0 == "Libpod" ? "Podman Engine" : $0 == "Docker" ? "Docker Engine" : String($0) } ?? "Docker Engine"
        let version = server.count > 1 ? String(server[1]) : "?"
        return .success(
            EngineInfo(product: product, version: version, apiVersion: apiText, minAPIVersion: "?", negotiatedVersion: chosen.description))
    }

    /// Reads a `/version` answer and negotiates. Pure, so both engines' answers are
    /// unit-tested from fixtures.
    static func engineInfo(from response: HTTPResponse, endpoint: HTTPEndpoint) -> Result<EngineInfo, EngineProblem> {
        guard response.status == 200,
            let version = try? JSONDecoder().decode(EngineJSON.Version.self, from: response.body),
            let apiText = version.ApiVersion, let api = APIVersion(apiText)
        else {
            return .failure(notDocker(response, endpoint: endpoint))
        }
        let minimum = version.MinAPIVersion.flatMap(APIVersion.init)
        guard let chosen = negotiate(serverAPI: api, serverMinimum: minimum) else {
            let range = supportedVersions
            return .failure(
                EngineProblem(
                    kind: .incompatibleVersion,
                    message: "the engine at \(endpoint) speaks API \(version.MinAPIVersion ?? "?")–\(apiText); "
                        + "this reconcile speaks \(range.lowerBound)–\(range.upperBound)",
                    hint: api < range.lowerBound
                        ? "upgrade the Docker engine (API \(range.lowerBound) or newer is needed)"
                        : "upgrade reconcile to a release that supports API \(version.MinAPIVersion ?? apiText)"))
        }
        // Podman names itself in Components ("Podman Engine"); Docker's component is
        // just "Engine" and its Platform says "Docker Engine - Community".
        let component = version.Components?.first?.Name
        let product = component.flatMap { $0 == "Engine" ? nil : $0 } ?? version.Platform?["Name"] ?? "Docker Engine"
        return .success(
            EngineInfo(
                product: product, version: version.Version ?? "?", apiVersion: apiText,
                minAPIVersion: version.MinAPIVersion ?? "?", negotiatedVersion: chosen.description))
    }

    /// `GET /v{version}{path}`, decoded. Non-2xx answers throw with the engine's message.
    func get<T: Decodable>(_ type: T.Type, _ path: String, version: String) async throws(EngineProblem) -> T {
        let response = try await get("/v\(version)\(path)")
        guard (200..<300).contains(response.status) else {
            let message = (try? JSONDecoder().decode(EngineJSON.ErrorBody.self, from: response.body))?.message
            throw EngineProblem(
                kind: .other,
                message: "GET \(path) answered \(response.status)\(message.map { ": \($0)" } ?? "")",
                hint: "check the engine's log")
        }
        do {
            return try JSONDecoder().decode(T.self, from: response.body)
        } catch {
            throw EngineProblem(
                kind: .notDocker, message: "GET \(path) answered with JSON reconcile cannot read: \(error)",
                hint: "make sure docker.endpoint points at a Docker Engine API (Docker or Podman's service)")
        }
    }

    /// A request that changes the engine (`POST /containers/{id}/start`, …): apply mode
    /// only, a dry run's client refuses it. 2xx and 304 ("already so") succeed; anything
    /// else throws with the engine's own message. It may take a stop's grace period
    /// (10 s by default) plus the engine's own work, so its limit is a minute. Returns
    /// the answer's body (`/containers/create` answers with the new id).
    @discardableResult
    func change(_ method: String, _ path: String, body: Data? = nil, version: String) async throws(EngineProblem) -> Data {
        var request = endpoint.request("/v\(version)\(path)", method: method)
        request.timeout = max(timeout, .seconds(60))
        if let body {
            request.body = body
            request.headers = [HTTPHeader("Content-Type", "application/json")]
        }
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch {
            throw Self.classify(error, endpoint: endpoint)
        }
        guard (200..<300).contains(response.status) || response.status == 304 else {
            let message = (try? JSONDecoder().decode(EngineJSON.ErrorBody.self, from: response.body))?.message
            // A call the engine does not have is a 404 without its JSON error (Podman 4.3's
            // /containers/{id}/update); a missing container's 404 has one.
            let lacking = response.status == 404 && message == nil
            throw EngineProblem(
                kind: lacking ? .unsupportedCall : .other,
                message: "\(method) \(path) answered \(response.status)\(message.map { ": \($0)" } ?? "")"
                    + (lacking ? " (the engine does not offer this call)" : ""),
                hint: "check the engine's log")
        }
        return response.body
    }

    /// One GET; transport failures become classified problems.
    func get(_ path: String) async throws(EngineProblem) -> HTTPResponse {
        try await send(endpoint.request(path), path: path)
    }

    /// One request; transport failures become classified problems, an answer larger
    /// than the request's limit is a problem, never half-read.
    func send(_ request: HTTPRequest, path: String) async throws(EngineProblem) -> HTTPResponse {
        var request = request
        request.timeout = timeout
        if request.maxBodyBytes < 64 << 20 { request.maxBodyBytes = 64 << 20 }
        do {
            let response = try await http.send(request)
            if response.bodyTruncated {
                throw EngineProblem(
                    kind: .other, message: "\(request.method) \(path): the answer exceeded \(request.maxBodyBytes >> 20) MiB",
                    hint: "too many containers or volumes for one answer")
            }
            return response
        } catch let error as HTTPError {
            throw Self.classify(error, endpoint: endpoint)
        } catch let problem as EngineProblem {
            throw problem
        } catch {
            throw EngineProblem(kind: .other, message: "\(error)", hint: "")
        }
    }

    // MARK: Classification (pure)

    /// Looks at the socket file before connecting, so "no such file" and "permission
    /// denied" get their own fixes instead of curl's generic "couldn't connect".
    static func socketProblem(_ endpoint: HTTPEndpoint, fileManager: FileManager = .default) -> EngineProblem? {
        guard let path = endpoint.unixSocketPath else { return nil }
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return noSocket(path)
        }
        if access(path, R_OK | W_OK) != 0 && errno == EACCES {
            return permissionDenied(path)
        }
        return nil
    }

    static func noSocket(_ path: String) -> EngineProblem {
        EngineProblem(
            kind: .noSocket, message: "no Docker socket at \(path)",
            hint: "start the engine (systemctl start docker, or podman system service unix://\(path)), "
                + "or point docker.endpoint / DOCKER_HOST at the socket it uses")
    }

    static func permissionDenied(_ path: String) -> EngineProblem {
        EngineProblem(
            kind: .permissionDenied, message: "permission denied on the Docker socket \(path)",
            hint: "run reconcile as a user in the socket's group (usually docker: sudo usermod -aG docker $USER, "
                + "then log in again), or as root")
    }

    /// Turns a transport failure into a problem with a repair.
    static func classify(_ error: HTTPError, endpoint: HTTPEndpoint) -> EngineProblem {
        let lowered = error.message.lowercased()
        if let path = endpoint.unixSocketPath {
            if lowered.contains("permission denied") { return permissionDenied(path) }
            if lowered.contains("no such file") { return noSocket(path) }
        }
        switch error.kind {
        case .connectionRefused:
            let hint =
                endpoint.unixSocketPath != nil
                ? "the socket file exists but nothing listens on it: start the engine (systemctl start docker, or podman system service)"
                : "nothing listens at \(endpoint): start the engine or fix docker.endpoint / DOCKER_HOST"
            return EngineProblem(kind: .connectionRefused, message: "connection refused at \(endpoint): \(error.message)", hint: hint)
        case .timeout:
            return EngineProblem(
                kind: .timeout, message: "the engine at \(endpoint) did not answer in time: \(error.message)",
                hint: "the engine is hung or overloaded: check systemctl status docker and its log")
        case .refusedByPolicy:
            return EngineProblem(
                kind: .refusedByPolicy, message: error.message,
                hint: "this run's request policy refused it: a dry run allows reads and the exec calls of the Django "
                    + "introspection only (RequestPolicy.readOnlyWithDockerExec)")
        case .hostNotFound:
            return EngineProblem(
                kind: .connectionRefused, message: "cannot resolve the host of \(endpoint): \(error.message)",
                hint: "fix docker.endpoint / DOCKER_HOST")
        default:
            return EngineProblem(
                kind: .other, message: "request to \(endpoint) failed: \(error.message)",
                hint: "check that docker.endpoint / DOCKER_HOST points at a Docker Engine API")
        }
    }

    /// Something answered `/version`, but not as a Docker engine does.
    static func notDocker(_ response: HTTPResponse, endpoint: HTTPEndpoint) -> EngineProblem {
        let excerpt = response.bodyText.prefix(80).replacingOccurrences(of: "\n", with: " ")
        let server = response.header("Server").map { ", Server: \($0)" } ?? ""
        return EngineProblem(
            kind: .notDocker,
            message: "\(endpoint) answered GET /version with HTTP \(response.status)\(server) (\"\(excerpt)\"), "
                + "which is not the Docker Engine API",
            hint: "point docker.endpoint / DOCKER_HOST at the Docker (or Podman) API socket, not another service")
    }
}
