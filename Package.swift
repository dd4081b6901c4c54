// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Checker plugins (not SwiftPM package plugins), one line each: Plugins/<folder> holds
/// the target <folder>Checker, which sees ReconcileKit's public API and the plugins it
/// `uses`; Tests/<folder>CheckerTests holds its tests; the CLI links every one. Adding a
/// checker = its folder, its tests, one line here and one in Sources/reconcile/Registry.swift.
struct Plugin {
    let folder: String
    var uses: [String] = []
    var resources: [Resource] = []
    var target: String { folder + "Checker" }
}

let plugins = [
    // Its consistency check asks which desired Caddy route answers a health URL.
    Plugin(folder: "Health", uses: ["Caddy"]),
    Plugin(folder: "Caddy"),
    Plugin(folder: "Docker"),
    // The container runner speaks the Engine API through the Docker plugin's client rules.
    // Its introspection script is a real Python file, embedded in the binary at build time.
    Plugin(folder: "Django", uses: ["Docker"], resources: [.embedInCode("introspection.py")]),
    // The media chain reads what the Caddy, Docker and Django checkers observed.
    Plugin(folder: "Media", uses: ["Caddy", "Docker", "Django"]),
    // Attributes ports that container engines forward to the container publishing them.
    Plugin(folder: "Host", uses: ["Docker"]),
]

/// What `reconcile --version` says about the build: the version is the first line of the
/// VERSION file (the one place it is written; scripts/package names the .deb after it),
/// the commit is RECONCILE_BUILD_COMMIT (scripts/build-commit: sha, "+modified" when the
/// tree had uncommitted changes), else git's at manifest evaluation. SwiftPM keeps an
/// evaluated manifest until its text or the environment changes, not when HEAD moves, so
/// scripts/package and scripts/test pass the variable and a plain `swift build` after a
/// commit may still name the previous one. Both reach the BuildInfo C target as string
/// macros: a Swift compilation condition has no value, and this way no file in the tree is
/// generated for a build. A value with a character no version or sha has is "unknown".
func cStringMacro(_ value: String?) -> String {
    let allowed = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+~-"
    guard let value, !value.isEmpty, value.allSatisfy(allowed.contains) else { return "\"unknown\"" }
    return "\"\(value)\""
}
let buildVersion = cStringMacro(
    (try? String(contentsOfFile: Context.packageDirectory + "/VERSION", encoding: .utf8))?
        .split(separator: "\n").first.map(String.init))
let buildCommit = cStringMacro(
    Context.environment["RECONCILE_BUILD_COMMIT"]
        ?? Context.gitInformation.map { $0.currentCommit + ($0.hasUncommittedChanges ? "+modified" : "") })

/// reconcile: a drift reconciler for Caddy + Docker + Django stacks.
///
/// Layers, from the bottom up: C system libraries (libgit2, libcurl) wrapped by exactly
/// one Swift module each (GitStore, CurlHTTP); the core library ReconcileKit (manifest,
/// checker contract, reconciler, reporters); checker plugins under Plugins/, which see
/// only ReconcileKit's public API; and the `reconcile` command line on top.
let package = Package(
    name: "reconcile",
    products: [
        .executable(name: "reconcile", targets: ["reconcile"]),
        .library(name: "ReconcileKit", targets: ["ReconcileKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // reconcile serve's HTTP server (SwiftNIO underneath) and its graceful shutdown.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C libraries, one module map each.
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // The version and commit of this build, for `reconcile --version` (see buildMacro above).
        .target(
            name: "BuildInfo",
            cSettings: [.define("RECONCILE_BUILD_VERSION", to: buildVersion), .define("RECONCILE_BUILD_COMMIT", to: buildCommit)]
        ),

        // Credentials in URLs removed from text, by one rule for every module (no dependencies).
        .target(name: "Redacting"),

        // The only two modules that import C.
        .target(name: "GitStore", dependencies: ["CLibGit2", "Redacting"]),
        .target(name: "CurlHTTP", dependencies: ["CCurl", "Redacting"]),

        // The core: what plugins and the CLI build on.
        .target(
            name: "ReconcileKit",
            dependencies: [
                "Redacting", "GitStore", "CurlHTTP", "Yams",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // `reconcile serve`: the scheduler and the HTTP endpoints, kept out of ReconcileKit so
        // the library (and a plugin author) never pulls in a web server.
        .target(
            name: "ReconcileServe",
            dependencies: [
                "ReconcileKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .executableTarget(
            name: "reconcile",
            dependencies: [
                "ReconcileKit", "ReconcileServe", "BuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ] + plugins.map { .target(name: $0.target) }
        ),

        // Tests: one target per module, plus the built binary end to end.
        .target(name: "TestSupport", dependencies: ["ReconcileKit"], path: "Tests/TestSupport"),
        // Decoded specs, a stub source and a dry-run context: how every test reaches ReconcileKit.
        .target(name: "ReconcileTestSupport", dependencies: ["ReconcileKit", "TestSupport"], path: "Tests/ReconcileTestSupport"),
        .testTarget(name: "RedactingTests", dependencies: ["Redacting"]),
        .testTarget(name: "GitStoreTests", dependencies: ["GitStore", "TestSupport"]),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP", "TestSupport"]),
        .testTarget(name: "ReconcileKitTests", dependencies: ["ReconcileKit", "ReconcileTestSupport", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["reconcile", "TestSupport"]),
        // The example stack brought up for real (scripts/demo up), drift injected layer by layer.
        .testTarget(name: "StackTests", dependencies: ["reconcile", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

package.targets += plugins.flatMap { plugin -> [Target] in
    [
        .target(
            name: plugin.target, dependencies: [.target(name: "ReconcileKit")] + plugin.uses.map { .target(name: $0 + "Checker") },
            path: "Plugins/\(plugin.folder)", resources: plugin.resources),
        .testTarget(
            name: plugin.target + "Tests", dependencies: [.target(name: plugin.target), "ReconcileTestSupport", "TestSupport"]),
    ]
}

// Fuzz targets (libFuzzer; each `main` hands its entry point to libFuzzer's driver, since
// SwiftPM links an executable's own `main`): declared only for scripts/fuzz, which
// sets RECONCILE_FUZZ=1 and builds them with -sanitize=fuzzer in its own scratch path.
// A normal build or test run never sees them.
if Context.environment["RECONCILE_FUZZ"] == "1" {
    package.targets += [
        .target(name: "FuzzDriver", path: "Fuzz/Driver"),
        .executableTarget(name: "fuzz-caddy-json", dependencies: ["FuzzDriver", "CaddyChecker"], path: "Fuzz/CaddyJSON"),
        .executableTarget(
            name: "fuzz-manifest",
            dependencies: ["FuzzDriver", "ReconcileKit"] + plugins.map { .target(name: $0.target) },
            path: "Fuzz/Manifest"),
    ]
}
