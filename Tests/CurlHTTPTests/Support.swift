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
    _ request: HTTPRequest, client: HTTPClient = HTTPClient(), sourceLocation: SourceLocation = #_sourceLocation
) async -> HTTPError? {
    do {
        let response = try await client.send(request)
        Issue.record("expected an error, got status \(response.status)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Runs `body` and returns how long it took.
func measure<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try await body()
    return (value, clock.now - start)
}

/// Starts the fixture server with no signals blocked in it.
///
/// `Process` spawns the child with the calling thread's signal mask, and a Swift
/// concurrency thread blocks nearly all signals, SIGTERM included: the server would
/// then ignore `stop()`'s SIGTERM and every test would wait out the 5 s grace period
/// before SIGKILL. Clearing the mask around the spawn (then restoring it) avoids that.
/// ManagedProcess is the better place for this; until it does it, this helper does.
func startFixtureServer(unixSocket: Bool = false, token: String? = nil) throws -> FixtureHTTPServer {
    var unblocked = sigset_t()
    var previous = sigset_t()
    sigemptyset(&unblocked)
    pthread_sigmask(SIG_SETMASK, &unblocked, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try FixtureHTTPServer(unixSocket: unixSocket, token: token)
}
