import Foundation
import Logging

/// `reconcile discover`'s core: asks every registered `Discovering` checker to observe
/// and describe, in the order their `discoveredAfter` needs (independent ones at the
/// same time), and assembles the manifest. It knows no checker by name: a new checker
/// that adopts `Discovering` is discovered without a change here.
public struct Discoverer: Sendable {
    let hooks: [DiscoveryHooks]

    public init(registry: CheckerRegistry) {
        hooks = registry.entries.compactMap(\.discovery)
    }

    /// Observes read-only (a dry run's context: its HTTP client refuses every request
    /// that could change something) and describes.
    public func run(
        _ request: DiscoveryRequest, operatorConfig: OperatorConfig, logger: Logger = Logger(label: "reconcile"),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> DiscoveredManifest {
        let context = ObservationContext(
            mode: .dryRun, source: NoDesiredState(), environment: environment, logger: logger, operatorConfig: operatorConfig)
        return await run(request, context: context)
    }

    /// Observes and describes. Observations are shared with later pieces through the
    /// context (`ObservationContext.observation(of:)`), as in a run.
    public func run(_ request: DiscoveryRequest, context: ObservationContext) async -> DiscoveredManifest {
        var earlier = Discoveries()
        var sections: [String: DiscoveredSection] = [:]
        let shared = SharedObservations()
        var sharing = context
        sharing.sharing = (shared, Self.manifestKey)
        let observing = sharing
        var remaining = hooks
        while !remaining.isEmpty {
            let done = Set(hooks.map(\.identifier)).subtracting(remaining.map(\.identifier))
            let present = Set(hooks.map(\.identifier))
            var ready = remaining.filter { hook in hook.after.allSatisfy { done.contains($0) || !present.contains($0) } }
            if ready.isEmpty { ready = remaining } // a cycle (a programming error): take the rest as they are
            let known = earlier
            let results = await withTaskGroup(of: (String, Result<(any Sendable)?, Error>).self) { group in
                for hook in ready {
                    group.addTask {
                        do {
                            return (hook.identifier, .success(try await hook.discover(request, known, observing)))
                        } catch {
                            return (hook.identifier, .failure(error))
                        }
                    }
                }
                var results: [String: Result<(any Sendable)?, Error>] = [:]
                for await (identifier, result) in group { results[identifier] = result }
                return results
            }
            for hook in ready {
                switch results[hook.identifier] {
                case .success(let observation?)?:
                    let section = hook.describe(observation, request, earlier)
                    earlier.record(hook.identifier, observation: observation, section: section)
                    sections[hook.identifier] = section
                    shared.start(manifest: Self.manifestKey, checker: hook.identifier) { observation }
                case .failure(let error)?:
                    sections[hook.identifier] = .unobserved("could not observe: \(error)")
                case .success(nil)?, nil:
                    break
                }
            }
            remaining.removeAll { hook in ready.contains { $0.identifier == hook.identifier } }
        }
        return DiscoveredManifest(
            sections: hooks.compactMap { hook in sections[hook.identifier].map { (hook.identifier, hook.sectionKey, $0) } })
    }

    /// The name the pieces' shared observations are filed under.
    static let manifestKey = "(discover)"
}

/// What discover found: one section per checker that was asked, in the registry's
/// order, and the manifest text that describes them.
public struct DiscoveredManifest: Sendable {
    /// (checker identifier, manifest key, section).
    public let sections: [(checker: String, key: String, section: DiscoveredSection)]

    /// Every gap, as `checker: text`.
    public var gaps: [String] { sections.flatMap { item in item.section.gaps.map { "\(item.checker): \($0)" } } }
    /// Every option written resources have that is not compared, as `checker: text`.
    public var uncompared: [String] {
        sections.flatMap { item in item.section.uncompared.map { "\(item.checker): \($0)" } }
    }
    /// Every problem, as `checker: text`.
    public var problems: [String] { sections.flatMap { item in item.section.problems.map { "\(item.checker): \($0)" } } }

    /// The manifest v1 document. `name` is the environment's name.
    public func yaml(name: String, header: [String]) -> String {
        var entries = [
            YAMLEntry("apiVersion", .string(ManifestDecoder.apiVersion)),
            YAMLEntry("kind", .string(ManifestDecoder.kind)),
            YAMLEntry("name", .string(name)),
        ]
        var trailing: [String] = []
        for (checker, key, section) in sections {
            var comments = section.comments
            comments += section.gaps.map { "NOT EXPRESSIBLE YET (\(checker)): \($0)" }
            comments += section.uncompared.map { "NOT COMPARED (\(checker)): \($0)" }
            comments += section.problems.map { "NOT OBSERVED (\(checker)): \($0)" }
            if let value = section.value {
                entries.append(YAMLEntry(key, value, comments: comments))
            } else {
                trailing += [""] + comments + ["(no \(key): section written)"]
            }
        }
        var text = YAMLWriter.document(entries, comments: header)
        if !trailing.isEmpty {
            text += trailing.flatMap(YAMLWriter.commentLines(indent: "")).joined(separator: "\n") + "\n"
        }
        return text
    }
}

/// Discover reads no repository: it writes the desired state instead of reading it.
struct NoDesiredState: DesiredStateSource {
    let origin = SourceOrigin(repo: "(none: discover)", ref: "-", commit: nil, worktree: false)

    func read(_ path: String) throws -> Data {
        throw DiscoveryFailure("discover reads no repository (asked for \(path))")
    }

    func list(_ directory: String) throws -> [String] { [] }
}
