import ArgumentParser
import Foundation
import ReconcileKit

/// Where the desired state comes from; shared by `run` and `validate`.
struct SourceOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The config repository: a local path, or a URL (https://, ssh://, file://) cloned into the cache.",
            discussion: "Default: the git repository around the current directory.", valueName: "path|url"))
    var repo: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Branch, tag, origin/main, sha or HEAD to read the manifest at.", valueName: "ref"))
    var ref: String = "HEAD"

    @Flag(name: .long, help: "Read the working-tree files instead of a commit (test an uncommitted edit).")
    var worktree = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where remote repositories are cloned and fetched.", discussion: "Default: $XDG_CACHE_HOME/reconcile.",
            valueName: "dir"))
    var cacheDir: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The operator config: what manifests may make reconcile execute or read (interpreters, containers, token variables and files).",
            discussion:
                "Default: \(OperatorConfig.defaultPath) if it exists, else built-in defaults (see the README's Trust boundary).",
            valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("var"),
        help: ArgumentHelp(
            "Override a manifest variable (repeatable).", valueName: "name=value"))
    var variables: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The whole run must end within this many seconds, git included.",
            discussion: "With a cached clone, fetching gets at most half of it; then the run goes on against the cached commit (stale). "
                + "An apply acts and verifies only until a quarter of it is left, which is kept for undo.",
            valueName: "seconds"))
    var deadline: Double = 300

    @Option(name: .long, help: ArgumentHelp("The largest manifest reconcile reads, in bytes.", valueName: "bytes"))
    var maxManifestBytes = YAMLLimits.defaultMaxBytes

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Refuse (exit 1) a commit not signed by a key of --allowed-signers or --gpg-keyring, before any manifest is read.",
            discussion: """
                Checked with ssh-keygen -Y verify (SSH signatures) or gpg --verify (OpenPGP), like git \
                verify-commit. The refusal names the key that signed, or says nobody did. A manifest's \
                trust: {require_signed: true} asks the same; nothing in a manifest can turn it off.
                """))
    var requireSigned = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "SSH keys allowed to sign the commit: a file in git's allowed_signers format (PRINCIPAL KEY-TYPE KEY per line).",
            discussion: "A host file, never one of the repository. Also the key for a manifest's trust.require_signed.",
            valueName: "file"))
    var allowedSigners: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "GPG keys allowed to sign the commit: a keyring file (gpg --export KEYID > FILE).",
            discussion: "A host file, never one of the repository. Also the key for a manifest's trust.require_signed.",
            valueName: "file"))
    var gpgKeyring: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "External checkers: the executables named \(PluginDirectory.prefix)NAME in this directory check each manifest's NAME: section.",
            valueName: "dir"))
    var pluginDir: String?

    func validate() throws {
        _ = try NumericFlag.seconds(deadline, flag: "--deadline")
        try NumericFlag.count(maxManifestBytes, flag: "--max-manifest-bytes", in: 1...(1 << 30))
        _ = try parsedVariables()
        if worktree && ref != "HEAD" {
            throw ValidationError("--worktree reads the working tree; it cannot be combined with --ref \(ref)")
        }
        if requireSigned && worktree {
            throw ValidationError(
                "--require-signed verifies a commit's signature, and --worktree reads uncommitted files that have none")
        }
    }

    /// The keys `--allowed-signers` and `--gpg-keyring` name, as absolute paths.
    var commandLineKeys: TrustedKeys {
        let directory = FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
        }
        return TrustedKeys(
            allowedSigners: allowedSigners.map { [absolute($0)] } ?? [], gpgKeyrings: gpgKeyring.map { [absolute($0)] } ?? [])
    }

    /// The host's demand (`--require-signed`, the operator config's `trust:`): verifies
    /// `source`'s commit before any manifest is read. Returns the signer, nil when the
    /// host demands nothing.
    func verifyBeforeReading(_ source: any DesiredStateSource, config: OperatorConfig, until deadline: RunDeadline)
        async throws(SignatureRefusal) -> String?
    {
        guard
            let requirement = try SignatureRequirement.host(
                flag: requireSigned, commandLineKeys: commandLineKeys, config: config)
        else { return nil }
        return try await CommitVerifier.verify(source, requirement, deadline: deadline)
    }

    /// The manifests' `trust.require_signed`, read from `sources` (one commit each, `plan`
    /// has two): every source is verified before anything acts, unless the host's demand
    /// already did (with the host's keys, which win over the manifests' own).
    func verifyDemanded(
        by manifests: [Manifest], of sources: [any DesiredStateSource], config: OperatorConfig, until deadline: RunDeadline
    ) async throws(SignatureRefusal) {
        guard (try SignatureRequirement.host(flag: requireSigned, commandLineKeys: commandLineKeys, config: config)) == nil,
            let requirement = try SignatureRequirement.demanded(
                by: manifests, commandLineKeys: commandLineKeys, config: config)
        else { return }
        for source in sources { _ = try await CommitVerifier.verify(source, requirement, deadline: deadline) }
    }

    func parsedVariables() throws -> [String: String] {
        var result: [String: String] = [:]
        for item in variables {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("--var expects name=value, got '\(item)'")
            }
            result[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return result
    }

    /// The operator config: `--config` (which must exist), else the default file if there
    /// is one, else the built-in defaults.
    func operatorConfig() throws(ManifestErrors) -> OperatorConfig {
        try OperatorConfig.load(config ?? OperatorConfig.defaultPath, required: config != nil)
    }

    /// `--plugin-dir`'s external checkers (none without it).
    func pluginDirectory() throws(PluginDirectoryError) -> PluginDirectory {
        try pluginDir.map { dir throws(PluginDirectoryError) in try PluginDirectory.discover(dir) } ?? .none
    }

    /// The bounds every manifest is held to before decoding.
    var yamlLimits: YAMLLimits { YAMLLimits(maxBytes: maxManifestBytes) }

    /// `--deadline`, validated: one run's whole budget.
    func deadlineBudget() throws -> Duration { try NumericFlag.seconds(deadline, flag: "--deadline") }

    /// The run's deadline, counted from the process's start and watched from now on.
    func startDeadline() throws -> RunDeadline {
        let deadline = RunDeadline(try deadlineBudget(), from: Watchdog.processStart)
        Watchdog.watch(deadline)
        return deadline
    }

    /// Opens the source; when the remote could not be fetched and a cached clone stands
    /// in, says so on stderr (the report says `stale`), as it does when a broken cached
    /// clone was cloned again.
    func openSource(until deadline: RunDeadline) throws -> any DesiredStateSource {
        let (source, fetchFailure, replacedCache) = try SourceLocator(
            repo: repo, ref: ref, worktree: worktree, cacheDirectory: cacheDir, deadline: deadline
        ).open()
        if let replacedCache { printError("warning: \(replacedCache)") }
        if let fetchFailure {
            let fetched = source.origin.lastFetched.map { "last fetched \(SourceOrigin.timestamp($0))" } ?? "never fetched"
            let reason =
                fetchFailure is DeadlineExceeded
                ? "\(fetchFailure)" : "could not fetch \(source.origin.repo): \(fetchFailure)"
            printError(
                "warning: \(reason); checking against the cached commit \(source.origin.commit?.prefix(12) ?? "?") "
                    + "(\(fetched)): the report is stale")
        }
        return source
    }
}

/// Reads and decodes manifests from a source; shared by `run` and `validate`.
struct ManifestLoader {
    let source: any DesiredStateSource
    let variables: [String: String]

    let limits: YAMLLimits
    /// `--plugin-dir`'s external checkers, whose sections every manifest may have.
    var plugins = PluginDirectory.none

    /// Each manifest decoded, or its errors.
    func load(_ paths: [String]) -> [(path: String, result: Result<Manifest, ManifestErrors>)] {
        let decoder = ManifestDecoder(registry: registry, limits: limits, pluginDirectory: plugins)
        return paths.map { path in
            let result = Result { () throws(ManifestErrors) in
                let data: Data
                do {
                    data = try source.read(path)
                } catch {
                    throw .file(path, "\(error)")
                }
                guard let text = String(data: data, encoding: .utf8) else { throw .file(path, "not UTF-8 text") }
                return try decoder.decode(text, file: path, variableOverrides: variables)
            }
            return (path, result)
        }
    }
}

extension Result<Manifest, ManifestErrors> {
    /// The errors of a manifest that did not decode; none for one that did.
    var errors: [ManifestError] {
        guard case .failure(let failure) = self else { return [] }
        return failure.errors
    }
}

/// Prints to standard error. Errors quote git, the manifest and services, so the text is
/// masked (credentials in URLs, and `mask`'s secrets) and escaped like any untrusted text.
func printError(_ text: String, mask: SecretMask = SecretMask(secrets: [])) {
    let safe = UntrustedText.terminalLines(mask.mask(text), limit: errorLineLimit)
    FileHandle.standardError.write(Data((safe.hasSuffix("\n") ? safe : safe + "\n").utf8))
}

/// The most characters of one line of an error message.
let errorLineLimit = 1000
