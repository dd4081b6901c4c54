import CurlHTTP
import Testing

/// Endpoint strings as a manifest spells them.
@Suite struct HTTPEndpointTests {
    @Test(
        arguments: [
            ("http://127.0.0.1:2019", "http://127.0.0.1:2019", nil),
            ("http://127.0.0.1:2019/", "http://127.0.0.1:2019", nil),
            ("https://rims.example.com", "https://rims.example.com", nil),
            ("HTTPS://rims.example.com/base//", "https://rims.example.com/base", nil),
            ("tcp://127.0.0.1:2375", "http://127.0.0.1:2375", nil),
            ("http://[::1]:8000", "http://[::1]:8000", nil),
            ("  http://localhost:8000  ", "http://localhost:8000", nil),
            ("unix:///var/run/docker.sock", "http://localhost", "/var/run/docker.sock"),
            ("unix:///run/caddy/admin.sock", "http://localhost", "/run/caddy/admin.sock"),
        ] as [(String, String, String?)])
    func validEndpointParses(text: String, baseURL: String, socket: String?) throws {
        let endpoint = try HTTPEndpoint(parsing: text)
        #expect(endpoint.baseURL == baseURL)
        #expect(endpoint.unixSocketPath == socket)
    }

    @Test(arguments: [
        ("", "expected http://"),
        ("127.0.0.1:2019", "expected http://"),
        ("ftp://host", "unsupported scheme 'ftp'"),
        ("unix://run/docker.sock", "absolute path"),
        ("unix://", "absolute path"),
        ("tcp://127.0.0.1", "tcp:// needs a port"),
        ("http://", "host is missing"),
        ("http://:8000", "host is missing"),
        ("http://host:0", "port must be a number"),
        ("http://host:65536", "port must be a number"),
        ("http://host:http", "port must be a number"),
        ("http://::1:8000", "IPv6 address goes in brackets"),
        ("http://[::1", "unclosed '['"),
        ("http://user:pw@host", "credentials"),
        ("http://host/path?query=1", "may not contain '?'"),
        ("http://bad host", "may not contain ' '"),
    ])
    func invalidEndpointIsRejectedWithAReason(text: String, reason: String) {
        #expect {
            _ = try HTTPEndpoint(parsing: text)
        } throws: { error in
            guard let error = error as? HTTPError else { return false }
            return error.kind == .invalidURL && error.message.contains(reason) && error.message.contains("'\(text)'")
        }
    }

    @Test func requestJoinsBaseAndPath() throws {
        let tcp = try HTTPEndpoint(parsing: "http://127.0.0.1:2019/")
        let request = tcp.request("/config/", method: "POST")
        #expect(request.url == "http://127.0.0.1:2019/config/")
        #expect(request.method == "POST")
        #expect(request.unixSocketPath == nil)
        #expect(tcp.request("config/").url == "http://127.0.0.1:2019/config/")

        let unix = try HTTPEndpoint(parsing: "unix:///var/run/docker.sock")
        let docker = unix.request("/v1.41/containers/json")
        #expect(docker.url == "http://localhost/v1.41/containers/json")
        #expect(docker.unixSocketPath == "/var/run/docker.sock")
        #expect(docker.method == "GET")
    }

    @Test func descriptionSpellsTheEndpointAndEqualityFollowsMeaning() throws {
        #expect(try HTTPEndpoint(parsing: "unix:///run/x.sock").description == "unix:///run/x.sock")
        #expect(try HTTPEndpoint(parsing: "tcp://10.0.0.1:2375").description == "http://10.0.0.1:2375")
        #expect(try HTTPEndpoint(parsing: "tcp://10.0.0.1:2375") == HTTPEndpoint(parsing: "http://10.0.0.1:2375/"))
    }
}
