import DockerChecker
import ReconcileKit

/// The pure half of the media checker: one finding per link of a chain, each saying
/// which link broke, why users would see 404s, and the fix for that link only.
enum MediaVerdict {
    static func findings(for chain: MediaSpec.Chain, observed: ChainObservation) -> [Finding] {
        [
            mediaRoot(chain, observed.mediaRoot),
            mount(chain, observed.mount, repair: observed.repair),
            route(chain, observed.route, expectedRoot: observed.expectedCaddyRoot),
            djangoServing(chain, observed.djangoServesMedia),
            live(chain, observed.live),
        ]
    }

    static func finding(
        _ chain: MediaSpec.Chain, _ link: String, _ status: Status, severity: Severity? = nil, expected: String? = nil,
        observed: String? = nil, _ message: String, fix: Fix? = nil
    ) -> Finding {
        Finding(
            checker: MediaChecker.identifier, resource: "\(chain.name): \(link)", status: status, severity: severity,
            expected: expected, observed: observed, message: message, fix: fix, position: chain.position)
    }

    static func mediaRoot(_ chain: MediaSpec.Chain, _ fact: Fact<UploadDirectory>) -> Finding {
        let expected = chain.containerPath
        switch fact {
        case .unknown(let reason):
            return finding(chain, "MEDIA_ROOT", .unknown, expected: expected, reason)
        case .observed(let uploads) where FilesystemPath.same(uploads.path, expected):
            return finding(
                chain, "MEDIA_ROOT", .ok, expected: expected, observed: uploads.path,
                "Django writes uploads to \(uploads.path)\(storage(uploads))")
        case .observed(let uploads):
            let lost =
                "the media volume is mounted at \(expected): uploads land in the container's own filesystem, vanish when "
                + "it is recreated, and Caddy never sees them (404)"
            guard let setting = uploads.storageSetting else {
                return finding(
                    chain, "MEDIA_ROOT", .drift, expected: expected, observed: uploads.path,
                    "Django writes uploads to \(uploads.path), but \(lost)",
                    fix: Fix(
                        summary: "Point MEDIA_ROOT at the mount (in settings.py, or the environment variable it reads).",
                        snippet: "MEDIA_ROOT = \"\(expected)\"", language: "python"))
            }
            return finding(
                chain, "MEDIA_ROOT", .drift, expected: expected, observed: uploads.path,
                "Django writes uploads to \(uploads.path)\(storage(uploads)), but \(lost)",
                fix: storageFix(setting, expected: expected, backend: uploads.backend))
        }
    }

    /// " (the location of STORAGES["default"], …; MEDIA_ROOT /app/media is not used)", or
    /// "" when the directory is MEDIA_ROOT.
    static func storage(_ uploads: UploadDirectory) -> String {
        guard let setting = uploads.storageSetting else { return "" }
        let backend = uploads.backend.map { ", \($0)" } ?? ""
        let unused = uploads.mediaRoot.map { "; MEDIA_ROOT \($0) is not used" } ?? ""
        return " (the location of \(setting)\(backend)\(unused))"
    }

    /// Where the storage's own location is set: the OPTIONS of STORAGES["default"], or the
    /// class DEFAULT_FILE_STORAGE names (Django < 4.2 has no OPTIONS).
    static func storageFix(_ setting: String, expected: String, backend: String?) -> Fix {
        guard setting.hasPrefix("STORAGES") else {
            return Fix(
                summary: "\(setting) names \(backend ?? "a storage") with a location of its own: make it write to "
                    + "\(expected) (its `location`), or use Django's FileSystemStorage with MEDIA_ROOT = \"\(expected)\".")
        }
        return Fix(
            summary: "Set the location in the OPTIONS of \(setting) to the mount (after STORAGES in settings.py), or "
                + "remove it there so MEDIA_ROOT applies, with MEDIA_ROOT = \"\(expected)\".",
            snippet: "STORAGES[\"default\"].setdefault(\"OPTIONS\", {})[\"location\"] = \"\(expected)\"",
            language: "python")
    }

    static func mount(_ chain: MediaSpec.Chain, _ fact: Fact<MountFact?>, repair: ContainerRepair?) -> Finding {
        let expected = "\(chain.hostPath) mounted at \(chain.containerPath)"
        switch fact {
        case .unknown(let reason):
            return finding(chain, "mount", .unknown, expected: expected, reason)
        case .observed(nil):
            return finding(
                chain, "mount", .drift, expected: expected, observed: "nothing mounted at \(chain.containerPath)",
                "nothing is mounted at \(chain.containerPath) in container \(chain.container): uploads stay in the "
                    + "container's writable layer, are lost when it is recreated, and Caddy cannot serve them (404)",
                fix: repair?.mounting(
                    chain.hostPath, at: chain.containerPath,
                    because: "mounts are fixed when a container is created; data in named volumes is kept")
                    ?? Fix(
                        summary: "Mount \(chain.hostPath) at \(chain.containerPath) in container \(chain.container), "
                            + "then recreate it."))
        case .observed(let mount?) where FilesystemPath.same(mount.source, chain.hostPath):
            return finding(
                chain, "mount", .ok, expected: expected, observed: describe(mount, at: chain.containerPath),
                "\(chain.containerPath) in \(chain.container) is \(describe(mount, at: nil))")
        case .observed(let mount?):
            return finding(
                chain, "mount", .drift, expected: expected, observed: describe(mount, at: chain.containerPath),
                "\(chain.containerPath) in \(chain.container) is backed by \(mount.source), but Caddy is meant to serve "
                    + "\(chain.hostPath): uploads are written where Caddy does not look (404)",
                fix: Fix(
                    summary: "Either mount the volume whose data is at \(chain.hostPath), or make host_path and "
                        + "Caddy's root \(mount.source).",
                    snippet: "host_path: \(mount.source)", language: "yaml"))
        }
    }

    static func route(_ chain: MediaSpec.Chain, _ fact: Fact<RouteFact?>, expectedRoot: Fact<String>) -> Finding {
        let prefix = FilesystemPath.normalised(chain.servedAt)
        guard case .observed(let root) = expectedRoot else {
            if case .unknown(let reason) = expectedRoot { return finding(chain, "caddy route", .unknown, reason) }
            return finding(chain, "caddy route", .unknown, "the expected root is not known")
        }
        let expected = "\(prefix)/* → strip \(prefix), file_server root \(root)"
        let block = "handle_path \(prefix)/* {\n\troot * \(root)\n\tfile_server\n}"
        switch fact {
        case .unknown(let reason):
            return finding(chain, "caddy route", .unknown, expected: expected, reason)
        case .observed(nil):
            return finding(
                chain, "caddy route", .drift, expected: expected, observed: "no route answers \(chain.servedAt)",
                "no Caddy route answers \(chain.servedAt): every uploaded file 404s",
                fix: Fix(summary: "Add the media route to the site, before any catch-all.", snippet: block, language: "caddyfile"))
        case .observed(let route?):
            let observed =
                "\(route.path) → \(route.stripPrefix.map { "strip \($0), " } ?? "")\(route.handler)"
                + (route.root.map { " root \($0)" } ?? "")
            if route.handler != "file_server" {
                return finding(
                    chain, "caddy route", .drift, expected: expected, observed: observed,
                    "\(chain.servedAt) is answered by \(route.handler) (route \(route.path)), not by a file server: "
                        + "uploads are never read from disk",
                    fix: Fix(
                        summary: "Add the media route before route \(route.path) (a handle block earlier in the site).",
                        snippet: block, language: "caddyfile"))
            }
            if route.root.map(FilesystemPath.normalised) != FilesystemPath.normalised(root) {
                return finding(
                    chain, "caddy route", .drift, expected: expected, observed: observed,
                    "Caddy serves \(chain.servedAt) from \(route.root ?? "its working directory"), but the uploads are in "
                        + "\(root): every uploaded file 404s",
                    fix: Fix(
                        summary: "Set the route's root to \(root) (live config: \(route.jsonPath)).",
                        snippet: "root * \(root)", language: "caddyfile"))
            }
            if route.stripPrefix.map(FilesystemPath.normalised) != prefix {
                return finding(
                    chain, "caddy route", .drift, expected: expected, observed: observed,
                    "Caddy does not strip \(prefix), so \(chain.servedAt)x is looked up as \(root)\(prefix)/x: 404",
                    fix: Fix(
                        summary: "Use handle_path (which strips the prefix) instead of handle.", snippet: block,
                        language: "caddyfile"))
            }
            return finding(
                chain, "caddy route", .ok, expected: expected, observed: observed,
                "Caddy serves \(chain.servedAt) from \(root), prefix stripped")
        }
    }

    static func djangoServing(_ chain: MediaSpec.Chain, _ fact: Fact<DjangoMediaRouting>) -> Finding {
        let slow = "media should come from Caddy, and a Django that serves files in production is slow and unsafe"
        switch fact {
        case .unknown(let reason):
            return finding(chain, "served by Django", .unknown, expected: "no", reason)
        case .observed(.notRouted):
            return finding(
                chain, "served by Django", .ok, expected: "no", observed: "no",
                "Django does not route \(chain.servedAt) (Caddy does)")
        case .observed(.onlyUnderDebug):
            return finding(
                chain, "served by Django", .drift, severity: .warning, expected: "no", observed: "yes, because DEBUG is on",
                "Django routes \(chain.servedAt) itself because DEBUG is on (static() makes the route only then): \(slow)",
                fix: Fix(summary: "Turn DEBUG off (the django DEBUG finding says how); urls.py needs no change."))
        case .observed(.routed):
            return finding(
                chain, "served by Django", .drift, severity: .warning, expected: "no", observed: "yes",
                "Django routes \(chain.servedAt) itself: \(slow)",
                fix: Fix(
                    summary: "Serve media through Django only under DEBUG, and run production with DEBUG = False.",
                    snippet: "if settings.DEBUG:\n    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)",
                    language: "python"))
        }
    }

    static func live(_ chain: MediaSpec.Chain, _ fact: Fact<LiveProof>) -> Finding {
        switch fact {
        case .unknown(let reason):
            return finding(chain, "live", .unknown, expected: "a file under \(chain.hostPath) served at \(chain.servedAt)", reason)
        case .observed(let proof):
            let expected = "\(proof.url) serves \(proof.file)"
            let kind = proof.wroteProbe ? "a probe file written to" : "an existing file in"
            switch proof.outcome {
            case .served:
                return finding(
                    chain, "live", .ok, expected: expected, observed: "200, same bytes",
                    "Caddy served \(kind) \(chain.hostPath) at \(proof.url)")
            case .status(let status):
                return finding(
                    chain, "live", .drift, expected: expected, observed: "status \(status)",
                    "Caddy answered \(status) for \(kind) \(chain.hostPath): users get the same for their uploads",
                    fix: Fix(summary: "Fix the broken link reported above (MEDIA_ROOT, mount or Caddy route)."))
            case .differentBytes(let count):
                return finding(
                    chain, "live", .drift, expected: expected, observed: "200 with \(count) other bytes",
                    "Caddy answered \(proof.url) with something other than the file (an index page, another root?)",
                    fix: Fix(summary: "Check that the route's root is \(chain.hostPath) and that it strips \(chain.servedAt)."))
            case .failed(let reason):
                return finding(
                    chain, "live", .drift, severity: .critical, expected: expected, observed: reason,
                    "no answer from Caddy at \(proof.url)",
                    fix: Fix(summary: "Caddy is down or listens elsewhere: start it or check its listen address."))
            }
        }
    }

    static func describe(_ mount: MountFact, at target: String?) -> String {
        let what = mount.volume.map { "volume \($0) (\(mount.source))" } ?? "\(mount.type) \(mount.source)"
        return target.map { "\(what) at \($0)" } ?? what
    }
}
