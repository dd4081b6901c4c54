import CurlHTTP
import Foundation
import TestSupport
import Testing

/// What the fixture server's `/echo` route reports about the request it received.
struct Echo: Decodable {
    let method: String
    let path: String
    let headers: [String: String]
    let body: String

    init(_ response: HTTPResponse) throws {
        self = try JSONDecoder().decode(Echo.self, from: response.body)
    }
}

/// Sends `request` and returns the error it must fail with (recording an issue, and
/// returning nil, when it succeeds instead).
func expectFailure(
    _ request: HTTPRequest, client: HTTPClient = HTTPClient(policy: .allowAll), sourceLocation: SourceLocation = #_sourceLocation
) async -> HTTPError? {
    do {
        let response = try await client.send(request)
        Issue.record("expected an error, got status \(response.status)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
