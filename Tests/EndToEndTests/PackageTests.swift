import Foundation
import TestSupport
import Testing

/// The Debian package scripts/package built (dist/reconcile_VERSION_ARCH.deb), inspected
/// with dpkg-deb, linted, run extracted with no Swift toolchain in reach, and installed
/// with apt into a clean Debian root. The release build takes minutes, so these run only
/// under `scripts/test --package`, which builds the package and sets RECONCILE_PACKAGE_DIR.
@Suite(.enabled(if: BuiltPackage.directory != nil, "scripts/test --package builds the package and runs these"))
struct PackageTests {
    static let package = BuiltPackage()

    @Test func theControlFieldsNameTheVersionAndOnlyDebianLibrariesAsDepends() async throws {
        let package = Self.package
        let fields = try await offPool { try runChecked("dpkg-deb", ["--field", package.deb]) }
        #expect(fields.contains("Package: reconcile\n"))
        #expect(fields.contains("Version: \(package.version)\n"))
        #expect(fields.contains("Architecture: \(package.architecture)\n"))
        #expect(fields.contains("Section: admin\n") && fields.contains("Priority: optional\n"))
        #expect(fields.contains("Maintainer: ") && fields.contains("Installed-Size: ") && fields.contains("Description: "))
        let depends = try #require(fields.split(separator: "\n").first { $0.hasPrefix("Depends: ") })
        for library in ["libc6 (>= ", "libcurl4 (>= ", "libgit2-1.5 (>= "] {
            #expect(depends.contains(library), "\(depends)")
        }
        #expect(!depends.lowercased().contains("swift"))
    }

    @Test func everyFileIsRootOwnedWithTheModeItNeeds() async throws {
        let package = Self.package
        let listing = try await offPool { try runChecked("dpkg-deb", ["--contents", package.deb]) }
        var files: [String: String] = [:]
        for line in listing.split(separator: "\n") {
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            #expect(columns[1] == "root/root", "\(line)")
            if columns[0].hasPrefix("-") { files[String(columns[5].dropFirst())] = String(columns[0]) }
            if columns[0].hasPrefix("d") { #expect(columns[0] == "drwxr-xr-x", "\(line)") }
        }
        var expected = [
            "/usr/bin/reconcile": "-rwxr-xr-x", "/etc/reconcile/config.yaml": "-rw-r--r--",
            "/usr/share/reconcile/reconcile-v1.schema.json": "-rw-r--r--",
            "/usr/share/reconcile/reconcile-plan-v1.schema.json": "-rw-r--r--",
            "/usr/share/man/man1/reconcile.1.gz": "-rw-r--r--",
            "/usr/share/bash-completion/completions/reconcile": "-rw-r--r--",
            "/usr/share/zsh/vendor-completions/_reconcile": "-rw-r--r--",
            "/usr/share/fish/vendor_completions.d/reconcile.fish": "-rw-r--r--",
            "/usr/share/doc/reconcile/copyright": "-rw-r--r--", "/usr/share/doc/reconcile/changelog.gz": "-rw-r--r--",
            "/usr/share/doc/reconcile/examples/cron.d/reconcile": "-rw-r--r--",
            "/usr/share/lintian/overrides/reconcile": "-rw-r--r--",
        ]
        for unit in ["reconcile.service", "reconcile.timer", "reconcile-serve.service"] {
            expected["/lib/systemd/system/\(unit)"] = "-rw-r--r--"
        }
        #expect(files == expected)

        let root = try await package.extracted()
        for name in ["reconcile-v1.schema.json", "reconcile-plan-v1.schema.json"] {
            let schema = try String(contentsOfFile: root.file("usr/share/reconcile/\(name)"), encoding: .utf8)
            let committed = try String(contentsOfFile: TestPaths.repositoryRoot + "/manifests/schema/\(name)", encoding: .utf8)
            #expect(schema == committed, "\(name)")
        }
        for unit in ["reconcile.service", "reconcile-serve.service"] {
            let text = try String(contentsOfFile: root.file("lib/systemd/system/\(unit)"), encoding: .utf8)
            #expect(text.contains("ExecStart=/usr/bin/reconcile ") && !text.contains("/usr/local/bin/reconcile"), "\(unit)")
        }
    }

    /// The binary as an operator's host runs it: no Swift toolchain on PATH, no
    /// LD_LIBRARY_PATH, so the loader finds only what Debian installed.
    @Test func theExtractedBinaryRunsWithoutTheSwiftToolchain() async throws {
        let package = Self.package
        let root = try await package.extracted()
        let binary = root.file("usr/bin/reconcile")
        let bare = try Data(contentsOf: URL(fileURLWithPath: package.directory + "/reconcile"))
        #expect(bare == (try Data(contentsOf: URL(fileURLWithPath: binary))), "dist/reconcile is the packaged binary")
        let host: [String: String?] = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LD_LIBRARY_PATH": nil]
        for directory in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
            #expect(!FileManager.default.fileExists(atPath: directory + "/swift"), "the toolchain is on the host PATH")
        }

        let version = try await reconcile(["--version"], environment: host, runner: binary)
        #expect(version.status == 0, "\(version.allOutput)")
        #expect(version.stdout.hasPrefix("reconcile \(package.version)\ncommit: "))
        try VersionTests.expectCommitLine(String(version.stdout.split(separator: "\n")[1]))
        #expect(version.stdout.contains("\nlibgit2: 1.") && version.stdout.contains("\nlibcurl: "))
        let help = try await reconcile(["--help"], environment: host, runner: binary)
        #expect(help.status == 0 && help.stdout.contains("validate"), "\(help.allOutput)")

        let repository = try ScratchRepository(files: ["manifests/site.yaml": BuiltPackage.manifest])
        let validate = try await reconcile(["validate"], environment: host, workingDirectory: repository.path, runner: binary)
        #expect(validate.status == 0, "\(validate.allOutput)")
        try repository.write("manifests/site.yaml", BuiltPackage.manifest + "bogus: 1\n")
        let broken = try await reconcile(
            ["validate", "--worktree"], environment: host, workingDirectory: repository.path, runner: binary)
        #expect(broken.status == 1 && broken.allOutput.contains("manifests/site.yaml:"), "\(broken.allOutput)")

        let ldd = try await offPool { try runChecked("ldd", [binary], environment: host) }
        #expect(!ldd.contains("not found"), "\(ldd)")
        #expect(!ldd.lowercased().contains("swift") && !ldd.contains("Foundation") && !ldd.contains("dispatch"), "\(ldd)")
        for library in ldd.split(separator: "\n").compactMap({ $0.split(separator: " ").first { $0.hasPrefix("/") } }) {
            let owner = try await offPool { try run("dpkg", ["-S", String(library)]) }
            let real = URL(fileURLWithPath: String(library)).resolvingSymlinksInPath().path
            let realOwner = try await offPool { try run("dpkg", ["-S", real]) }
            #expect(owner.status == 0 || realOwner.status == 0, "\(library) belongs to no Debian package")
        }
    }

    /// scripts/package.order is applied and current: the functions a run executes lie
    /// together at the start of the text (unordered, they spread over all of it, and a run
    /// keeps most of its 24 MB resident; scripts/bench/health.sh measures the difference).
    /// Read from the release build's own binary: the packaged one has no symbol table.
    @Test func theFunctionsARunExecutesAreLinkedTogetherFirst() async throws {
        let root = TestPaths.repositoryRoot
        let order = try String(contentsOfFile: root + "/scripts/package.order", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let scratch = try TemporaryDirectory(prefix: "reconcile-order")
        let built = root + "/.build-static/release/reconcile"
        let symbols = scratch.file("symbols")
        let sections = scratch.file("sections")
        let listing = #"nm -S --defined-only "$1" > "$2" && readelf -SW "$1" > "$3""#
        _ = try await offPool { try runChecked("bash", ["-c", listing, "-", built, symbols, sections]) }
        var functions: [String: (start: Int, end: Int)] = [:]
        for line in try String(contentsOfFile: symbols, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 4, "tTwW".contains(fields[2]), let start = Int(fields[0], radix: 16),
                let size = Int(fields[1], radix: 16)
            else { continue }
            functions[String(fields[3])] = (start, start + size)
        }
        let text = try #require(
            try String(contentsOfFile: sections, encoding: .utf8).split(separator: "\n").first { $0.contains(" .text ") })
        let header = text.split(separator: "]")[1].split(separator: " ")
        let textStart = try #require(Int(header[2], radix: 16))
        let textSize = try #require(Int(header[4], radix: 16))

        let placed = order.compactMap { functions[$0] }
        #expect(
            placed.count * 10 >= order.count * 8,
            "\(placed.count) of the \(order.count) functions scripts/package.order lists are in the binary: regenerate it (scripts/package-order)"
        )
        let end = try #require(placed.map(\.end).max())
        // Measured: 0.38 of the text ordered, 0.99 unordered (the toolchain's libraries have
        // a section per file, not per function, so whole files move with what a run uses).
        #expect(Double(end - textStart) <= 0.5 * Double(textSize), "the listed functions span \(end - textStart) of \(textSize) bytes")
    }

    @Test func theManPageRendersWithoutGroffWarnings() async throws {
        let root = try await Self.package.extracted()
        let page = root.file("usr/share/man/man1/reconcile.1.gz")
        let rendered = try await offPool {
            try run(
                "man", ["--warnings", "-E", "UTF-8", "-l", page], environment: ["MANPAGER": "cat", "MANWIDTH": "80", "LANG": "C.UTF-8"])
        }
        #expect(rendered.status == 0, "\(rendered.stderr)")
        #expect(rendered.stderr.isEmpty, "\(rendered.stderr)")
        for text in ["NAME", "SYNOPSIS", "reconcile", "validate", "--dry-run"] {
            #expect(rendered.stdout.contains(text), "the page lacks \(text)")
        }
    }

    /// Lintian's verdict: no error, and only the tags BuiltPackage.acceptedLintianTags
    /// lists, each with the reason it stays.
    @Test func lintianReportsOnlyTheAcceptedTags() async throws {
        let package = Self.package
        let lintian = try await offPool { try run("lintian", ["--no-cfg", "--display-info", package.deb]) }
        // "W: reconcile: tag-name details…", one finding a line.
        let tags = Set(
            lintian.stdout.split(separator: "\n").compactMap { line -> String? in
                let parts = line.split(separator: " ")
                return parts.count >= 3 && parts[0].count == 2 && parts[0].hasSuffix(":") ? String(parts[2]) : nil
            })
        #expect(!lintian.stdout.contains("\nE: ") && !lintian.stdout.hasPrefix("E: "), "\(lintian.stdout)")
        #expect(tags.isSubset(of: Set(BuiltPackage.acceptedLintianTags.keys)), "\(lintian.stdout)\(lintian.stderr)")
    }

    /// `apt-get install ./reconcile_….deb` in a minimal bookworm (debootstrap) pulls the
    /// Depends from Debian and gives a working `reconcile validate`; its maintainer
    /// scripts reload systemd's units when systemd runs.
    @Test func itInstallsWithAptIntoACleanDebianRootAndValidatesThere() async throws {
        let package = Self.package
        let root = try await DebianRoot.fresh()
        let debName = (package.deb as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: package.deb, toPath: root.file("tmp/" + debName))
        let repository = try ScratchRepository(files: ["manifests/site.yaml": BuiltPackage.manifest])
        try FileManager.default.copyItem(atPath: repository.path, toPath: root.file("tmp/config-repo"))

        let install = try await root.chroot("apt-get update -q && apt-get install -y -q --no-install-recommends /tmp/\(debName)")
        #expect(install.status == 0, "\(install.allOutput)")
        let version = try await root.chroot("reconcile --version")
        #expect(version.status == 0 && version.stdout.hasPrefix("reconcile \(package.version)\n"), "\(version.allOutput)")
        let validate = try await root.chroot("cd /tmp/config-repo && reconcile validate")
        #expect(validate.status == 0, "\(validate.allOutput)")
        #expect(FileManager.default.fileExists(atPath: root.file("etc/reconcile/config.yaml")))

        // The timer as installed catches up a run missed while the host was down.
        let timer = try String(contentsOfFile: root.file("lib/systemd/system/reconcile.timer"), encoding: .utf8)
        try await TimerUnit.expectMissedRunsCatchUp(timer, everyMinutes: 5)

        // From here systemd "runs" (/run/systemd/system, what maintainer scripts test), and
        // `systemctl`, which this root lacks and whose init cannot run in a chroot, is a
        // script that records its arguments: a reinstall and a purge must reload the units.
        try FileManager.default.createDirectory(atPath: root.file("run/systemd/system"), withIntermediateDirectories: true)
        try "#!/bin/sh\necho \"$*\" >>/tmp/systemctl.log\n".write(
            toFile: root.file("usr/bin/systemctl"), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.file("usr/bin/systemctl"))
        func systemctlCalls() -> [String] {
            ((try? String(contentsOfFile: root.file("tmp/systemctl.log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        // The agent's unit reads --token-file /etc/reconcile/run-token: postinst made it,
        // a reinstall keeps it, the unit's command serves with it, a purge removes it.
        let token = try Self.expectRunToken(in: root)
        let reinstall = try await root.chroot("dpkg -i /tmp/\(debName)")
        #expect(reinstall.status == 0, "\(reinstall.allOutput)")
        #expect(systemctlCalls() == ["--system daemon-reload"], "postinst reloads the changed units")
        #expect(try Self.expectRunToken(in: root) == token, "a reinstall made a new token")
        try await Self.expectTheAgentUnitServes(in: root, token: token)
        let purge = try await root.chroot("apt-get purge -y -q reconcile")
        #expect(purge.status == 0, "\(purge.allOutput)")
        #expect(!FileManager.default.fileExists(atPath: root.file("etc/reconcile/run-token")))
        #expect(
            systemctlCalls() == ["--system daemon-reload", "--system daemon-reload", "--system daemon-reload"],
            "postrm reloads on remove and on purge, so no removed unit stays loaded")
    }

    /// The run token postinst writes: 32 random bytes in hex, a file only root may read.
    static func expectRunToken(in root: DebianRoot) throws -> String {
        let path = root.file("etc/reconcile/run-token")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.posixPermissions] as? Int == 0o600, "\(attributes)")
        #expect(attributes[.ownerAccountID] as? Int == 0 && attributes[.groupOwnerAccountID] as? Int == 0, "\(attributes)")
        let token = try String(contentsOfFile: path, encoding: .utf8)
        #expect(token.count == 65 && token.hasSuffix("\n") && token.dropLast().allSatisfy(\.isHexDigit), "\(token.count) characters")
        return token
    }

    /// reconcile-serve.service's command as installed (only its port and the example
    /// repository and ref changed: the scratch repository is local, without origin/): it starts, answers POST /run only with the token, and stops
    /// with 0 on SIGTERM (a missing token file made it exit 1 at once, and
    /// Restart=on-failure loop).
    static func expectTheAgentUnitServes(in root: DebianRoot, token: String) async throws {
        let unit = try String(contentsOfFile: root.file("lib/systemd/system/reconcile-serve.service"), encoding: .utf8)
        let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let port = try freeLoopbackPort()
        let command = line.dropFirst("ExecStart=".count)
            .replacingOccurrences(of: " --listen 127.0.0.1:9177 ", with: " --listen 127.0.0.1:\(port) ")
            .replacingOccurrences(
                of: " --repo https://git.example.com/ops/config.git --ref origin/main ", with: " --repo /tmp/config-repo --ref main ")
        #expect(command.contains(" --token-file /etc/reconcile/run-token "), "\(command)")
        #expect(command.contains("127.0.0.1:\(port)") && command.contains("/tmp/config-repo"), "\(command)")
        let agent = try root.start("exec " + command)
        defer { agent.stop() }
        let base = "http://127.0.0.1:\(port)"
        let health = try await offPool {
            var health = ""
            try waitUntil(timeout: .seconds(120), "the packaged agent's first run") {
                health = (try? run("curl", ["-s", base + "/healthz"]).stdout) ?? ""
                return agent.process.exitStatus != nil || (health.contains(#""status""#) && !health.contains("pending"))
            }
            return health
        }
        try #require(agent.process.exitStatus == nil, "the agent exited: \(agent.output)")
        #expect(!health.contains(#""error""#), "\(health) \(agent.output)")
        let post = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base + "/run"]
        let refused = try await offPool { try runChecked("curl", post) }
        #expect(refused == "401")
        let bearer = "Authorization: Bearer " + token.trimmingCharacters(in: .whitespacesAndNewlines)
        let ran = try await offPool { try runChecked("curl", post + ["-H", bearer]) }
        #expect(ran == "200", "\(agent.output)")
        #expect(agent.process.stop() == 0, "\(agent.output)")
    }
}
