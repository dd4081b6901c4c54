import ArgumentParser
import Foundation
import ReconcileKit

/// `reconcile discover`: writes the manifest of a stack that already runs, from what
/// the checkers observe (read-only), for a person to review and commit.
struct DiscoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Write a manifest (reconcile/v1) that describes the running stack, for review and commit.",
        discussion: """
            Each layer you name is observed read-only, by the same code a dry run uses, and \
            written back as its manifest section:
              --caddy ADMIN: caddy.sites, every site and route the manifest can express
                (servers serving the same hosts differently: one site each, with listen:).
              --docker, --container, --compose-project: docker.containers (state, image,
                restart policy, ports, mounts, variable names) and the volumes they mount.
              --django-container NAME or --django-python PATH --django-workdir DIR, with
                --settings-module M: django (DEBUG, MEDIA_ROOT, MEDIA_URL, ALLOWED_HOSTS,
                media routing, console logging, the deployment checks that fire now).
                With a container, --django-python and --django-workdir are inside it.
              --health URL: health, the status each URL answers now.
            With Caddy, Docker and a Django container, the media chain (mounts:) is \
            inferred: MEDIA_ROOT, the mount there and its host path, MEDIA_URL and the \
            Caddy route serving it. The host: section names who listens on the ports those \
            services use.

            Comments say what was inferred and what to CONFIRM. A Caddy route no request \
            reaches is not written but named in a comment, to confirm or remove. What the \
            manifest cannot express yet (a file matcher of your own, an error with a message) is \
            named in a NOT EXPRESSIBLE YET comment, never approximated, and the section then \
            says unmanaged_routes: ignore. Secrets are never written: container variables \
            by name only, a health token by the name of its variable (--health-token-env), \
            secret Django settings not at all.

            Exit codes: 0 written; 3 written, but a layer could not be observed (said on \
            stderr and in a NOT OBSERVED comment); 1 error (nothing asked, a bad flag, the \
            output file exists without --force).

            Examples:
              reconcile discover --caddy http://127.0.0.1:2019 -o manifests/edge.yaml
              reconcile discover --caddy unix:///run/caddy/admin.sock \\
                --container backend --django-container backend \\
                --django-python /srv/venv/bin/python3 --django-workdir /app \\
                --settings-module rims_backend.settings \\
                --health https://rims.example.com/api/health/ -o manifests/production.yaml
            Then review it, reconcile validate, commit, and reconcile --dry-run: in sync.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Caddy's admin API (http://127.0.0.1:2019, unix:///run/caddy/admin.sock).", valueName: "admin"))
    var caddy: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The Docker engine (unix:///var/run/docker.sock); default $DOCKER_HOST, then that socket.", valueName: "endpoint"))
    var docker: String?

    @Option(name: .long, help: ArgumentHelp("A container to describe (repeat for more; default: every container).", valueName: "name"))
    var container: [String] = []

    @Option(name: .long, help: ArgumentHelp("Describe every container of this compose project.", valueName: "name"))
    var composeProject: String?

    @Option(name: .long, help: ArgumentHelp("Read Django's settings in this container (docker exec).", valueName: "name"))
    var djangoContainer: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read Django's settings with this interpreter on the host (in the container, with --django-container).", valueName: "path"))
    var djangoPython: String?

    @Option(
        name: .long,
        help: ArgumentHelp("The project directory, where manage.py is (in the container, with --django-container).", valueName: "dir"))
    var djangoWorkdir: String?

    @Option(name: .long, help: ArgumentHelp("DJANGO_SETTINGS_MODULE (project.settings).", valueName: "module"))
    var settingsModule: String?

    @Option(
        name: .long, help: ArgumentHelp("A health URL; its answer now becomes its expected status (repeat for more).", valueName: "url"))
    var health: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The variable holding a bearer token for the --health URLs (its name is written, never its value).", valueName: "name"))
    var healthTokenEnv: String?

    @Option(name: .long, help: "The environment's name (name:).")
    var name = "production"

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the manifest here (default: standard output).", valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "Overwrite the -o file when it exists (refused otherwise).")
    var force = false

    @Option(name: .long, help: ArgumentHelp("The operator config (what may be executed or read), as for a run.", valueName: "file"))
    var config: String?

    func validate() throws {
        if djangoContainer == nil && (djangoPython == nil) != (djangoWorkdir == nil) {
            throw ValidationError("--django-python and --django-workdir go together (or name a --django-container)")
        }
        if (djangoContainer != nil || djangoPython != nil) && settingsModule == nil {
            throw ValidationError("reading Django's settings needs --settings-module (DJANGO_SETTINGS_MODULE)")
        }
        if healthTokenEnv != nil && health.isEmpty {
            throw ValidationError("--health-token-env is sent with --health URLs; give at least one")
        }
        if caddy == nil && docker == nil && container.isEmpty && composeProject == nil
            && djangoContainer == nil && djangoPython == nil && health.isEmpty
        {
            throw ValidationError("nothing to discover: name at least one layer (--caddy, --docker, --container, --django-…, --health)")
        }
    }

    var request: DiscoveryRequest {
        DiscoveryRequest(
            caddyAdmin: caddy, dockerEndpoint: docker, dockerRequested: docker != nil, containers: container,
            composeProject: composeProject, djangoContainer: djangoContainer, djangoPython: djangoPython,
            djangoWorkdir: djangoWorkdir, settingsModule: settingsModule, healthURLs: health, healthTokenEnv: healthTokenEnv)
    }

    func run() async throws {
        if let output, !force, FileManager.default.fileExists(atPath: output) {
            printError("error: \(output) exists; pass --force to overwrite it")
            throw ExitCode(1)
        }
        let operatorConfig: OperatorConfig
        do {
            operatorConfig = try OperatorConfig.load(config ?? OperatorConfig.defaultPath, required: config != nil)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        let discovered = await Discoverer(registry: registry).run(request, operatorConfig: operatorConfig)
        let text = discovered.yaml(
            name: name,
            header: [
                "yaml-language-server: $schema=schema/reconcile-v1.schema.json",
                "Written by `reconcile discover` from the running stack: it describes what runs, not what should.",
                "Review every CONFIRM and NOT EXPRESSIBLE YET comment, run `reconcile validate`, commit, then `reconcile --dry-run`.",
            ])
        // The writer's own check: what it wrote must read back as a manifest.
        do {
            _ = try ManifestDecoder(registry: registry).decode(text, file: output ?? "(discovered)")
        } catch {
            printError("error: the discovered manifest does not read back (a bug in reconcile discover):\n\(error)")
            throw ExitCode(1)
        }
        if let output {
            do {
                try ReportFile.write(text, to: output)
            } catch {
                printError("error: cannot write \(output): \(error)")
                throw ExitCode(1)
            }
        } else {
            print(text, terminator: "")
        }
        for gap in discovered.gaps { printError("not expressible yet: \(UntrustedText.terminalLine(gap))") }
        for option in discovered.uncompared { printError("not compared: \(UntrustedText.terminalLine(option))") }
        for problem in discovered.problems { printError("not observed: \(UntrustedText.terminalLine(problem))") }
        let written = discovered.sections.filter { $0.section.value != nil }.map(\.key)
        printError(
            "discovered \(written.isEmpty ? "nothing" : written.joined(separator: ", "))\(output.map { " into \($0)" } ?? "")"
                + "; \(discovered.gaps.count) not expressible, \(discovered.uncompared.count) options not compared, "
                + "\(discovered.problems.count) not observed")
        if !discovered.problems.isEmpty { throw ExitCode(3) }
    }
}
