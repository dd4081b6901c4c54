// swift-tools-version:6.0
import PackageDescription

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
    ],
    targets: [
        // C libraries, one module map each.
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

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

        // Checker plugins (not SwiftPM package plugins): ReconcileKit's public API only.
        .target(name: "HealthChecker", dependencies: ["ReconcileKit"], path: "Plugins/Health"),
        .target(name: "CaddyChecker", dependencies: ["ReconcileKit"], path: "Plugins/Caddy"),
        .target(name: "DockerChecker", dependencies: ["ReconcileKit"], path: "Plugins/Docker"),
        // The container runner speaks the Docker Engine API through the Docker plugin's client rules.
        .target(name: "DjangoChecker", dependencies: ["ReconcileKit", "DockerChecker"], path: "Plugins/Django"),
        // The media chain reads what the Caddy, Docker and Django checkers observed.
        .target(
            name: "MediaChecker", dependencies: ["ReconcileKit", "CaddyChecker", "DockerChecker", "DjangoChecker"],
            path: "Plugins/Media"),

        .executableTarget(
            name: "reconcile",
            dependencies: [
                "ReconcileKit", "HealthChecker", "CaddyChecker", "DockerChecker", "DjangoChecker", "MediaChecker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Tests: one target per module, plus the built binary end to end.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "RedactingTests", dependencies: ["Redacting"]),
        .testTarget(name: "GitStoreTests", dependencies: ["GitStore", "TestSupport"]),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP", "TestSupport"]),
        .testTarget(name: "ReconcileKitTests", dependencies: ["ReconcileKit", "TestSupport"]),
        .testTarget(name: "HealthCheckerTests", dependencies: ["HealthChecker", "TestSupport"]),
        .testTarget(name: "CaddyCheckerTests", dependencies: ["CaddyChecker", "TestSupport"]),
        .testTarget(name: "DockerCheckerTests", dependencies: ["DockerChecker", "TestSupport"]),
        .testTarget(name: "DjangoCheckerTests", dependencies: ["DjangoChecker", "TestSupport"]),
        .testTarget(name: "MediaCheckerTests", dependencies: ["MediaChecker", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["reconcile", "TestSupport"]),
        // The example stack brought up for real (scripts/demo up), drift injected layer by layer.
        .testTarget(name: "StackTests", dependencies: ["reconcile", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

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
            dependencies: [
                "FuzzDriver", "ReconcileKit", "HealthChecker", "CaddyChecker", "DockerChecker", "DjangoChecker",
                "MediaChecker",
            ],
            path: "Fuzz/Manifest"),
    ]
}
