import ReconcileKit
import Testing

@testable import DockerChecker

@Suite("docker: manifest section")
struct SpecTests {
    @Test func designExampleFieldsAreRead() throws {
        let spec = try SpecText.decode(
            """
            endpoint: unix:///var/run/docker.sock
            containers:
              - name: backend
                state: running
                image: rims-backend:latest
                restart_policy: unless-stopped
                ports: ["127.0.0.1:8000:8000"]
                mounts:
                  - { volume: media_data, target: /app/media }
            """)
        #expect(spec.endpoint == "unix:///var/run/docker.sock")
        let backend = try #require(spec.containers.first)
        #expect(backend.name == "backend")
        #expect(backend.state == .running)
        #expect(backend.image == "rims-backend:latest")
        #expect(backend.restartPolicy == RestartPolicy(.unlessStopped))
        #expect(backend.ports == [PortBinding(hostIP: "127.0.0.1", hostPort: 8000, containerPort: 8000)])
        #expect(backend.mounts == [MountSpec(source: .volume("media_data"), target: "/app/media")])
        #expect(backend.position(of: "image").line == 5)
        #expect(backend.position.line == 3)
    }

    @Test func everyOptionalFieldAndShortForms() throws {
        let spec = try SpecText.decode(
            """
            containers:
              - name: db
                environment: { DJANGO_DEBUG: "0", WORKERS: 4, EMPTY: "" }
              - name: backend
                compose_project: rims
                environment: [DJANGO_SETTINGS_MODULE, SECRET_KEY]
                mounts:
                  - media_data:/app/media
                  - /srv/rims/static/:/app/static:ro
                  - { source: /srv/logs, target: /app/logs/, read_only: false }
                ports: ["8000", "80:8080", "[::1]:53:53/udp", "127.0.0.1::9000", "7000-7001:7000-7001"]
                restart_policy: on-failure:5
            volumes:
              - media_data
              - { name: pg_data, driver: local }
            compose: ./deploy/compose.yaml
            """)
        #expect(spec.endpoint == nil)
        #expect(spec.containers[0].state == nil && spec.containers[0].image == nil && spec.containers[0].ports == nil)
        let backend = spec.containers[1]
        #expect(backend.composeProject == "rims")
        #expect(backend.environment == ["DJANGO_SETTINGS_MODULE", "SECRET_KEY"] && backend.environmentValues.isEmpty)
        #expect(spec.containers[0].environment == ["DJANGO_DEBUG", "WORKERS", "EMPTY"])
        #expect(spec.containers[0].environmentValues == ["DJANGO_DEBUG": "0", "WORKERS": "4", "EMPTY": ""])
        #expect(
            backend.mounts?.map(\.description) == [
                "media_data:/app/media", "/srv/rims/static:/app/static:ro", "/srv/logs:/app/logs",
            ])
        #expect(backend.mounts?[2].readOnly == false)
        #expect(
            backend.ports?.map(\.description) == [
                "8000", "80:8080", "[::1]:53:53/udp", "127.0.0.1::9000", "7000:7000", "7001:7001",
            ])
        #expect(backend.restartPolicy == RestartPolicy(.onFailure, maximumRetryCount: 5))
        #expect(spec.volumes.map(\.name) == ["media_data", "pg_data"])
        #expect(spec.volumes[1].driver == "local")
        #expect(spec.compose?.file == "deploy/compose.yaml")
    }

    @Test func variablesAreSubstituted() throws {
        let spec = try SpecText.decode(
            """
            containers:
              - name: backend
                mounts: [{ source: "${media}", target: /app/media }]
            """, variables: ["media": "/srv/rims/media"])
        #expect(spec.containers[0].mounts?[0].source == .bind("/srv/rims/media"))
    }

    @Test func composeReferenceLongForm() throws {
        let spec = try SpecText.decode(
            """
            compose: { file: compose.yaml, project: rims, project_directory: /srv/rims/ }
            """)
        #expect(
            spec.compose
                == ComposeReference(file: "compose.yaml", project: "rims", projectDirectory: "/srv/rims", position: spec.compose!.position))
    }

    @Test(arguments: [
        ("containers:\n  - name: backend\n    stat: running\n", 3, "unknown key 'stat'; did you mean 'state'?"),
        (
            "containers:\n  - name: backend\n    state: runing\n", 3,
            "'runing' is not one of created, running, paused, restarting, exited, dead; did you mean 'running'?"
        ),
        ("containers:\n  - name: backend\n    state: removing\n", 3, "'removing' is not one of"),
        ("containers:\n  - name: backend\n    restart_policy: unless_stopped\n", 3, "did you mean 'unless-stopped'?"),
        ("containers:\n  - name: backend\n    restart_policy: always:3\n", 3, "is not a restart policy"),
        ("containers:\n  - name: backend\n    ports: [\"127.0.0.1:8000:99999\"]\n", 3, "invalid port '99999'"),
        ("containers:\n  - name: backend\n    ports: [\"8000/xtp\"]\n", 3, "unknown protocol 'xtp'"),
        ("containers:\n  - name: backend\n    ports: [\"1:2:3:4\"]\n", 3, "is not a port binding"),
        ("containers:\n  - name: backend\n    mounts:\n      - { volume: media, source: /srv, target: /x }\n", 4, "not both"),
        ("containers:\n  - name: backend\n    mounts:\n      - { target: /x }\n", 4, "needs volume:"),
        (
            "containers:\n  - name: backend\n    mounts:\n      - { volume: media, target: app/media }\n", 4,
            "must be an absolute path, got 'app/media'"
        ),
        (
            "containers:\n  - name: backend\n    mounts:\n      - { source: srv/media, target: /app/media }\n", 4,
            "must be an absolute path, got 'srv/media'"
        ),
        ("containers:\n  - name: backend\n    mounts:\n      - ./media:/app/media\n", 4, "is not a mount"),
        ("containers:\n  - name: backend\n    mounts:\n      - a:/x\n      - b:/x/\n", 5, "two mounts at target /x"),
        ("containers:\n  - name: backend\n    environment: [SECRET_KEY=abc]\n", 3, "a list names variables; a mapping gives their values"),
        ("containers:\n  - name: backend\n    environment: { \"A=B\": x }\n", 3, "'A=B' is not a variable name"),
        ("containers:\n  - name: backend\n    environment: { DEBUG: [0] }\n", 3, "expected a string or a number, found a list"),
        ("containers:\n  - name: -bad\n", 2, "is not a valid container name"),
        ("containers:\n  - name: backend\n  - name: backend\n", 3, "duplicate container name 'backend' (first at line 2)"),
        ("containers:\n  - state: running\n", 2, "missing required key 'name'"),
        ("endpoint: ssh://host\n", 1, "unsupported URL scheme 'ssh'"),
        ("endpoint: tcp://127.0.0.1\n", 1, "tcp:// needs a port"),
        ("volumes: [a/b]\n", 1, "is not a volume name"),
        ("compose: /srv/compose.yaml\n", 1, "repository-relative path"),
        ("containres: []\n", 1, "did you mean 'containers'?"),
    ])
    func rejectsWithPosition(yaml: String, line: Int, message: String) {
        let error = SpecText.error(yaml)
        #expect(error != nil, "accepted: \(yaml)")
        #expect(error?.position.line == line, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func portSyntax() throws {
        #expect(try PortBinding.parse("127.0.0.1:8000:8000") == [PortBinding(hostIP: "127.0.0.1", hostPort: 8000, containerPort: 8000)])
        #expect(try PortBinding.parse("0.0.0.0:80:80") == [PortBinding(hostIP: nil, hostPort: 80, containerPort: 80)])
        #expect(try PortBinding.parse("[::]:80:80/tcp") == [PortBinding(hostIP: nil, hostPort: 80, containerPort: 80)])
        #expect(try PortBinding.parse("53:53/UDP") == [PortBinding(hostPort: 53, containerPort: 53, proto: "udp")])
        #expect(throws: PortSyntaxError.self) { try PortBinding.parse("8000-7000:8000-7000") }
        #expect(throws: PortSyntaxError.self) { try PortBinding.parse("8000:8000-8001") }
        #expect(throws: PortSyntaxError.self) { try PortBinding.parse("8000-8002:8000-8001") }
    }

    /// Docker and Compose accept a host range for one container port: the engine
    /// publishes it on one free port of the range, so any port in it is in sync.
    @Test func aHostRangeForOneContainerPortIsOneBindingSatisfiedByAnyPortInIt() throws {
        let range = try PortBinding.parse("127.0.0.1:8080-8081:80")
        #expect(range == [PortBinding(hostIP: "127.0.0.1", hostPort: 8080, hostPortLast: 8081, containerPort: 80)])
        #expect(range.map(\.description) == ["127.0.0.1:8080-8081:80"])
        let wanted = try #require(range.first)
        for (port, inSync) in [(8079, false), (8080, true), (8081, true), (8082, false)] {
            #expect(wanted.isSatisfied(by: PortBinding(hostIP: "127.0.0.1", hostPort: port, containerPort: 80)) == inSync, "\(port)")
        }
        #expect(!wanted.isSatisfied(by: PortBinding(hostPort: 8080, containerPort: 80)), "every interface is not loopback")
        #expect(wanted.isSatisfied(by: wanted), "a container not running keeps the configured range")
        #expect(
            !PortBinding(hostPort: 8080, containerPort: 80).isSatisfied(
                by: PortBinding(hostPort: 8080, hostPortLast: 8081, containerPort: 80)))
        #expect(try PortBinding.parse("8080-8080:80") == [PortBinding(hostPort: 8080, containerPort: 80)])
    }

    @Test func restartPolicySyntaxAndMatching() {
        #expect(RestartPolicy(parsing: "no") == RestartPolicy(.no))
        #expect(RestartPolicy(parsing: "on-failure:0") == RestartPolicy(.onFailure, maximumRetryCount: 0))
        #expect(RestartPolicy(parsing: "never") == nil)
        #expect(RestartPolicy(.onFailure).isSatisfied(by: RestartPolicy(.onFailure, maximumRetryCount: 5)))
        #expect(!RestartPolicy(.onFailure, maximumRetryCount: 3).isSatisfied(by: RestartPolicy(.onFailure, maximumRetryCount: 5)))
        #expect(!RestartPolicy(.always).isSatisfied(by: RestartPolicy(.unlessStopped)))
    }
}
