import CurlHTTP
import Testing

/// Endpoint strings as a manifest spells them.
@Suite struct HTTPEndpointTests {
    struct Valid: Sendable, CustomStringConvertible {
        let text: String
        let baseURL: String
        let socket: String?
        var description: String { text }
    }

    static let valid: [Valid] = [
        Valid(text: "http://127.0.0.1:2019", baseURL: "http://127.0.0.1:2019", socket: nil),
        Valid(text: "http://127.0.0.1:2019/", baseURL: "http://127.0.0.1:2019", socket: nil),
        Valid(text: "https://rims.example.com", baseURL: "https://rims.example.com", socket: nil),
        Valid(text: "HTTPS://rims.example.com/base//", baseURL: "https://rims.example.com/base", socket: nil),
        Valid(text: "tcp://127.0.0.1:2375", baseURL: "http://127.0.0.1:2375", socket: nil),
        Valid(text: "http://[::1]:8000", baseURL: "http://[::1]:8000", socket: nil),
        Valid(text: "  http://localhost:8000  ", baseURL: "http://localhost:8000", socket: nil),
        Valid(text: "unix:///var/run/docker.sock", baseURL: "http://localhost", socket: "/var/run/docker.sock"),
        Valid(text: "unix:///run/caddy/admin.sock", baseURL: "http://localhost", socket: "/run/caddy/admin.sock"),
    ]

    @Test(arguments: valid)
    func validEndpointParses(_ entry: Valid) throws {
        let endpoint = try HTTPEndpoint(parsing: entry.text)
        #expect(endpoint.baseURL == entry.baseURL)
        #expect(endpoint.unixSocketPath == entry.socket)
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
