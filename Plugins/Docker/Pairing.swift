import ReconcileKit

/// Pairs desired containers with observed ones, before anything is compared (DESIGN:
/// pair by key first; a missing side is "missing"). Shared by `observe` (to know which
/// containers to inspect) and `compare` (to judge them), so both agree.
enum Pairing {
    /// The container playing `spec`'s part: the one with exactly its name; else, when
    /// the spec names a compose project, the one compose created for its service
    /// (labels `com.docker.compose.project` and `.service`; the lowest name when the
    /// service is scaled).
    static func match(_ spec: ContainerSpec, in containers: [ContainerSummary]) -> ContainerSummary? {
        if let exact = containers.first(where: { $0.name == spec.name }) { return exact }
        guard let project = spec.composeProject else { return nil }
        return
            containers
            .filter { $0.composeProject == project && $0.composeService == spec.serviceName }
            .min { $0.name < $1.name }
    }

    /// The manifest's containers, then the compose file's (a service the manifest also
    /// lists by the same container name is the manifest's: it is the more specific).
    static func desiredContainers(_ spec: DockerSpec, compose: ComposeObservation?) -> [ContainerSpec] {
        let named = Set(spec.containers.map(\.name))
        return spec.containers + (compose?.containers ?? []).filter { !named.contains($0.name) }
    }

    /// The compose file's own spec of the service `spec` stands for (itself when it
    /// comes from the file), to tell a fix what the file already says.
    static func composeSpec(of spec: ContainerSpec, in compose: ComposeObservation?) -> ContainerSpec? {
        if spec.composeService != nil { return spec }
        return compose?.containers.first { file in
            file.name == spec.name || (spec.composeProject == file.composeProject && file.serviceName == spec.serviceName)
        }
    }

    /// The manifest's volumes, then the compose file's named volumes.
    static func desiredVolumes(_ spec: DockerSpec, compose: ComposeObservation?) -> [VolumeSpec] {
        let named = Set(spec.volumes.map(\.name))
        return spec.volumes + (compose?.volumes ?? []).filter { !named.contains($0.name) }
    }

    /// The closest existing container name, for "did you mean" on a missing one.
    static func closestName(to name: String, among containers: [ContainerSummary]) -> String? {
        let names = containers.map(\.name)
        if let suffixed = names.first(where: { $0.hasSuffix("-\(name)-1") || $0.hasSuffix("_\(name)_1") }) {
            return suffixed
        }
        return Suggestions.closest(to: name, among: names)
    }
}

/// Image references compared the way the engine resolves them: `nginx` is
/// `docker.io/library/nginx:latest`, and Podman files local images under `localhost/`.
enum ImageReference {
    static func normalised(_ reference: String) -> String {
        var text = reference.trimmingCharacters(in: .whitespaces)
        for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/", "localhost/"] where text.hasPrefix(prefix) {
            text.removeFirst(prefix.count)
            break
        }
        if text.hasPrefix("library/") { text.removeFirst("library/".count) }
        let lastComponent = text.split(separator: "/").last.map(String.init) ?? text
        if !text.contains("@") && !lastComponent.contains(":") { text += ":latest" }
        return text
    }

    /// True when a container created from `observed` (with image id `imageID`) runs
    /// the image the manifest names. A bare `sha256:…` in the manifest is compared
    /// with the image id (a prefix of 12 or more hex digits is enough).
    static func matches(desired: String, observed: String, imageID: String) -> Bool {
        let wanted = desired.trimmingCharacters(in: .whitespaces)
        if wanted.hasPrefix("sha256:") || (wanted.count >= 12 && wanted.allSatisfy(\.isHexDigit)) {
            let digits = wanted.hasPrefix("sha256:") ? String(wanted.dropFirst(7)) : wanted
            let id = imageID.hasPrefix("sha256:") ? String(imageID.dropFirst(7)) : imageID
            return digits.count >= 12 && id.hasPrefix(digits)
        }
        return normalised(wanted) == normalised(observed)
    }
}
