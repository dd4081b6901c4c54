import Foundation

/// Something a manifest asks reconcile to execute or to read as a secret. Checkers ask
/// ``OperatorConfig/decide(_:)`` where the thing happens (the runner, the token read),
/// and `reconcile validate` asks the same function for every such field, so what
/// validate promises is what a run does.
public enum TrustRequest: Sendable, Hashable {
    /// A local runner's interpreter (`django.runner.local.python`).
    case interpreter(String)
    /// `docker exec` into a container (`django.runner.container`).
    case container(String)
    /// The interpreter run inside that container (`django.runner.container.python`).
    case containerInterpreter(String)
    /// A key of a runner's manifest `env`, passed to the child.
    case childEnvironment(String)
    /// A bearer token read from an environment variable (`bearer_token_env`).
    case tokenVariable(String)
    /// A bearer token read from a file (`bearer_token_file`).
    case tokenFile(String)
    /// A notification webhook URL, a credential, read from where `notify[i].url_env` or
    /// `url_file` says: decided as a token from the same place is.
    case webhookURL(TokenSource)
    /// `caddy adapt` run on a Caddyfile of the repository (`caddy.caddyfile`).
    case caddyAdapt(String)
    /// An apply writing the repository's Caddyfile to a path of this host
    /// (`caddy.write_caddyfile`): as root, a file anywhere with the manifest authors' text.
    case caddyfileWrite(String)
    /// An external checker the manifest declares (`plugins[i].command`).
    case externalChecker(name: String, command: String)
    /// An apply permission the manifest's `apply:` grants (`docker.recreate`), within the
    /// operator config's `apply:`.
    case applyPermission(String)

    /// What the field makes reconcile do, for validate's listing.
    public var action: String {
        switch self {
        case .interpreter(let path): "runs \(path) on this host"
        case .container(let name): "executes Python in container \(name) (docker exec)"
        case .containerInterpreter(let path): "runs \(path) inside the container"
        case .childEnvironment(let key): "passes \(key) to the runner's environment"
        case .tokenVariable(let name): "reads the environment variable \(name) and sends it as a bearer token"
        case .tokenFile(let path): "reads \(path) and sends it as a bearer token"
        case .webhookURL(.environment(let name)): "reads the environment variable \(name) and posts notifications to it"
        case .webhookURL(.file(let path)): "reads \(path) and posts notifications to it"
        case .caddyAdapt(let path): "runs caddy adapt on \(path) at the ref"
        case .caddyfileWrite(let path): "writes the Caddyfile to \(path) on this host when applying"
        case .externalChecker(let name, let command): "runs the external checker \(name): \(command)"
        case .applyPermission(let permission): "lets an apply use \(permission)"
        }
    }
}

/// The operator config's answer to a ``TrustRequest``.
public enum TrustDecision: Sendable, Hashable {
    /// Allowed, and by which rule.
    case allowed(because: String)
    /// Refused: why, and what the operator config would have to say for it to run.
    case refused(String)

    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }
}

/// A manifest field that leads to execution or reads a secret, with where it is.
public struct TrustField: Sendable, Hashable {
    public var request: TrustRequest
    public var position: SourcePosition
    /// The field's dotted key path (`django.runner.local.python`).
    public var keyPath: String

    public init(_ request: TrustRequest, at node: ManifestNode) {
        self.init(request, position: node.position, keyPath: node.keyPath)
    }

    public init(_ request: TrustRequest, position: SourcePosition, keyPath: String) {
        self.request = request
        self.position = position
        self.keyPath = keyPath
    }
}

/// A manifest section some of whose fields make reconcile execute something or read a
/// secret; they are listed by `reconcile validate` with the operator config's decision.
public protocol TrustSensitive {
    var trustFields: [TrustField] { get }
}

extension OperatorConfig {
    /// Whether this host lets a manifest do `request`. Pure apart from resolving a token
    /// file's symbolic links, so a link inside an allowed directory cannot point out of it.
    public func decide(_ request: TrustRequest) -> TrustDecision {
        switch request {
        case .interpreter(let path):
            guard path.hasPrefix("/") else {
                return .refused(
                    "'\(path)' is not an absolute path: a relative interpreter would be resolved against a directory "
                        + "the manifest chooses; give the absolute path (and list it under interpreters: in \(fileToEdit))")
            }
            let normalized = (path as NSString).standardizingPath
            if let problem = Self.notPython(path) { return .refused(problem) }
            guard let interpreters else {
                return .allowed(because: "an absolute path, and \(origin) lists no interpreters:")
            }
            guard interpreters.contains(where: { ($0 as NSString).standardizingPath == normalized }) else {
                return .refused("\(path) is not listed under interpreters: in \(origin); add it there to let it run")
            }
            return .allowed(because: "listed under interpreters: in \(origin)")
        case .container(let name):
            guard let containers else {
                return .allowed(because: "\(origin) lists no containers:, so any container may be exec'd into")
            }
            guard containers.contains(name) else {
                return .refused(
                    "container \(name) is not listed under containers: in \(origin); add it there to let the runner exec into it")
            }
            return .allowed(because: "listed under containers: in \(origin)")
        case .containerInterpreter(let path):
            if let problem = Self.notPython(path) { return .refused(problem) }
            return .allowed(because: "a Python interpreter's name, in a container the operator config allows")
        case .childEnvironment(let key):
            if let prefix = ChildEnvironment.forbiddenPrefix(of: key) {
                let what = prefix == "BROWSER" ? "BROWSER" : "\(prefix)* variables"
                return .refused("\(what) can make the child execute code: never passed, whatever the operator config says")
            }
            guard let pattern = runnerEnvironment.first(where: { Self.matches(key, $0) }) else {
                return .refused(
                    "\(key) is not allowed by runner_env: in \(origin) (\(runnerEnvironment.joined(separator: ", "))); add it there to pass it"
                )
            }
            return .allowed(because: "matches \(pattern) in runner_env: of \(origin)")
        case .tokenVariable(let name):
            guard let pattern = tokenVariables.first(where: { Self.matches(name, $0) }) else {
                return .refused(
                    "\(name) is not allowed by token_env: in \(origin) (\(tokenVariables.joined(separator: ", "))); add it there to let a token come from it"
                )
            }
            return .allowed(because: "matches \(pattern) in token_env: of \(origin)")
        case .tokenFile(let path):
            guard path.hasPrefix("/") else {
                return .refused(
                    "'\(path)' is not an absolute path; give the token file's absolute path, in a directory listed under token_dirs: in \(fileToEdit)"
                )
            }
            let resolved = Self.resolved(path)
            guard let directory = tokenDirectories.first(where: { Self.isInside(resolved, Self.resolved($0)) }) else {
                return .refused(
                    "\(path) is not inside a directory listed under token_dirs: in \(origin) (\(tokenDirectories.joined(separator: ", "))); move the token there or list its directory"
                )
            }
            return .allowed(because: "inside \(directory), listed under token_dirs: in \(origin)")
        case .externalChecker(let name, _):
            guard let pattern = plugins.first(where: { Self.matches(name, $0) }) else {
                return .refused(
                    "\(name) is not listed under plugins: in \(origin); a manifest's external checker runs a program of its "
                        + "choosing as reconcile's user, so the operator lists the ones that may run: add \(name) there")
            }
            return .allowed(because: "matches \(pattern) in plugins: of \(origin)")
        case .caddyfileWrite(let path):
            let normalized = (path as NSString).standardizingPath
            guard path.hasPrefix("/"), caddyfileWrites.contains(where: { ($0 as NSString).standardizingPath == normalized }) else {
                return .refused(
                    "\(path) is not listed under caddyfile_writes: in \(origin) (\(caddyfileWrites.joined(separator: ", "))); "
                        + "the file's text is the manifest authors' and reconcile writes it as its own user, so list the "
                        + "Caddyfile your Caddy starts from there")
            }
            return .allowed(because: "listed under caddyfile_writes: in \(origin)")
        case .webhookURL(.environment(let name)):
            return decide(.tokenVariable(name))
        case .webhookURL(.file(let path)):
            return decide(.tokenFile(path))
        case .applyPermission(let permission):
            guard let apply else { return .allowed(because: "\(origin) sets no apply:, so the manifest's apply: decides") }
            guard apply.contains(permission) else {
                return .refused("\(origin) does not list \(permission) under apply:; its actions are planned as manual")
            }
            return .allowed(because: "listed under apply: in \(origin)")
        case .caddyAdapt:
            return .allowed(
                because: "always: caddy adapt runs with an empty environment, and imports only files of the repository "
                    + "at the same ref")
        }
    }

    /// Why `path` is not a Python interpreter's name (`python`, `python3`, `python3.11`,
    /// `pypy3`, as a name or a path's last part), or nil. The runners hand their program
    /// arguments that only make sense to Python; any other program is refused rather
    /// than handed a script it would read differently.
    static func notPython(_ path: String) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let rest = name.hasPrefix("python") ? name.dropFirst(6) : name.hasPrefix("pypy") ? name.dropFirst(4) : nil
        guard let rest, rest.allSatisfy({ $0.isNumber || $0 == "." }) else {
            return "'\(path)' is not a Python interpreter (python, python3, python3.11 or pypy3, or a path ending in one)"
        }
        return nil
    }

    /// `name` equals `pattern`, or starts with its prefix when it ends in `*`.
    static func matches(_ name: String, _ pattern: String) -> Bool {
        pattern.hasSuffix("*") ? name.hasPrefix(pattern.dropLast()) : name == pattern
    }

    /// The path with `..` and symbolic links resolved (as far as they exist).
    static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return (path as NSString).standardizingPath }
        defer { free(real) }
        return String(cString: real)
    }

    static func isInside(_ path: String, _ directory: String) -> Bool {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return path.hasPrefix(prefix)
    }
}
