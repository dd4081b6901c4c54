import Foundation
import TestSupport

/// The output of scripts/package under test: the directory in RECONCILE_PACKAGE_DIR
/// (scripts/test --package sets it to dist/), its .deb, and what it should say.
struct BuiltPackage: Sendable {
    static var directory: String? { ProcessInfo.processInfo.environment["RECONCILE_PACKAGE_DIR"] }

    let directory: String
    let version: String
    let architecture: String
    var deb: String { "\(directory)/reconcile_\(version)_\(architecture).deb" }

    init() {
        let root = TestPaths.repositoryRoot
        let given = Self.directory ?? "dist"
        directory = given.hasPrefix("/") ? given : "\(root)/\(given)"
        version =
            ((try? String(contentsOfFile: root + "/VERSION", encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init) ?? ""
        architecture = ((try? runChecked("dpkg", ["--print-architecture"])) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The package's files unpacked with `dpkg-deb -x` into a new temporary directory.
    func extracted() async throws -> TemporaryDirectory {
        let root = try TemporaryDirectory(prefix: "reconcile-deb")
        let deb = deb
        _ = try await offPool { try runChecked("dpkg-deb", ["-x", deb, root.path]) }
        return root
    }

    /// A manifest `reconcile validate` accepts under any operator config.
    static let manifest = """
        apiVersion: reconcile/v1
        kind: Environment
        name: packaged
        health:
          - name: api
            url: http://127.0.0.1:1/health/
            expect: { status: 200 }

        """

    /// What lintian still reports on the package, and why it stays.
    static let acceptedLintianTags: [String: String] = [
        "bash-completion-with-hashbang": "swift-argument-parser's generated bash completion starts with #!/bin/bash",
        "copyright-without-copyright-notice": "the repository names no licence or copyright holder yet",
        "hardening-no-bindnow": "the Swift toolchain links without -z now",
        "hardening-no-fortify-functions": "Swift code has no _FORTIFY_SOURCE; the C parts are libyaml and small shims",
        "package-supports-alternative-init-but-no-init.d-script":
            "the package ships systemd units (the agent, the timer) and no sysvinit script; Debian Policy no longer requires one",
        "spelling-error-in-binary": "strings of the statically linked Swift runtime and Foundation",
    ]
}

/// A minimal Debian bookworm (`debootstrap --variant=minbase`) in a temporary directory,
/// fresh for each test. debootstrap runs once; its result is kept as a tarball in
/// .build-release (gitignored) and unpacked again for every later test, so each test
/// still starts from an untouched root.
struct DebianRoot: Sendable {
    let directory: TemporaryDirectory
    func file(_ relative: String) -> String { directory.file(relative) }

    static let mirror = "http://deb.debian.org/debian"
    static let cache = TestPaths.repositoryRoot + "/.build-release/debian-root/bookworm-minbase.tar"

    static func fresh() async throws -> DebianRoot {
        let root = DebianRoot(directory: try TemporaryDirectory(prefix: "reconcile-debian-root"))
        try await offPool {
            let manager = FileManager.default
            if !manager.fileExists(atPath: cache) {
                let bootstrap = try TemporaryDirectory(prefix: "reconcile-debootstrap")
                try runChecked("debootstrap", ["--variant=minbase", "bookworm", bootstrap.path, mirror])
                try manager.createDirectory(atPath: (cache as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try runChecked("tar", ["-C", bootstrap.path, "-cf", cache + ".partial", "."])
                try manager.moveItem(atPath: cache + ".partial", toPath: cache)
            }
            try runChecked("tar", ["-C", root.directory.path, "-xf", cache])
            // Name resolution for apt, as on the host.
            try? manager.removeItem(atPath: root.file("etc/resolv.conf"))
            try manager.copyItem(atPath: "/etc/resolv.conf", toPath: root.file("etc/resolv.conf"))
        }
        return root
    }

    /// Runs `script` with /bin/sh inside the root, with a plain host environment.
    func chroot(_ script: String) async throws -> CommandResult {
        let arguments = chrootArguments(script)
        return try await offPool { try run("unshare", arguments, environment: Self.environment) }
    }

    /// Starts `script` inside the root as `chroot` runs it and leaves it running (a
    /// server; `exec` it so the pid is the server's): stopped by its pid when done.
    func start(_ script: String) throws -> ManagedProcess {
        try ManagedProcess("unshare", chrootArguments(script), environment: Self.environment)
    }

    /// In its own mount namespace with /proc mounted, as on a host (the Swift runtime
    /// reads the arguments from /proc/self/cmdline); the mount ends with the process.
    private func chrootArguments(_ script: String) -> [String] {
        ["--mount", "--propagation", "private", "chroot", directory.path, "/bin/sh", "-c", "mount -t proc proc /proc && " + script]
    }

    /// A host's: no test process's state directory either, so the package keeps its state
    /// where it would on a host.
    private static let environment: [String: String?] = [
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LD_LIBRARY_PATH": nil, "DEBIAN_FRONTEND": "noninteractive",
        "XDG_STATE_HOME": nil,
    ]
}
