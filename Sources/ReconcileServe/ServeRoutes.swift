import Foundation
import Hummingbird
import ReconcileKit

/// The agent's HTTP surface. Every answer is computed from the agent's snapshot by a pure
/// renderer (metrics, report JSON, health JSON, the status page); nothing here observes
/// anything itself.
///
/// - `GET /metrics`: the last run as Prometheus metrics, plus serve's own counters.
/// - `GET /healthz`: 200 when the last run was in sync, 503 otherwise (drift, unknown, an
///   error, or no run yet in this process: `pending`, even when the state directory
///   remembers an earlier agent's runs), with a small JSON body, like `goss serve`.
/// - `GET /report.json`: the last report (404 before this process's first run); when the
///   newest run ended without one, 503 with its error (`/healthz`'s body), not an older
///   report.
/// - `POST /run`: run now and answer with that run's report; needs `Authorization:
///   Bearer TOKEN` with the token of `--token-file` (401 without, or when serve has none).
/// - `GET /`: the HTML status page.
///
/// HEAD works wherever GET does; another method on these paths is 405 (`ServeMethods`).
enum ServeRoutes {
    /// Every path and the methods it answers (HEAD added to each GET).
    static let methods: [String: [HTTPRequest.Method]] = [
        "/metrics": [.get], "/healthz": [.get], "/report.json": [.get], "/run": [.post], "/": [.get],
    ]

    static func router(agent: ServeAgent, token: String?, title: String) -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: ServeMethods(methods))
        router.get("/metrics") { _, _ in
            text(ServeMetrics.render(agent.snapshot), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/healthz") { _, _ in
            let health = ServeHealth(agent.snapshot.current)
            return text(health.json, type: "application/json", status: health.healthy ? .ok : .serviceUnavailable)
        }
        router.get("/report.json") { _, _ in
            let snapshot = agent.snapshot
            // The newest run failed: its error (503, as /healthz), never an older report
            // that a client would take for the current state.
            if let last = snapshot.current, last.report == nil {
                return text(ServeHealth(last).json, type: "application/json", status: .serviceUnavailable)
            }
            guard snapshot.current != nil, let report = snapshot.history.lastReport else {
                return text(#"{"error": "no report yet"}"# + "\n", type: "application/json", status: .notFound)
            }
            return text(JSONReportRenderer.render(report), type: "application/json")
        }
        router.post("/run") { request, _ in
            guard let token, BearerToken.matches(request.headers[.authorization], token) else {
                agent.refusedRequest()
                var response = text(
                    #"{"error": "POST /run needs Authorization: Bearer with the token of --token-file"}"# + "\n",
                    type: "application/json", status: .unauthorized)
                response.headers[.wwwAuthenticate] = #"Bearer realm="reconcile""#
                return response
            }
            guard let record = await agent.runNow() else {
                return text(#"{"error": "shutting down"}"# + "\n", type: "application/json", status: .serviceUnavailable)
            }
            guard let report = record.report else {
                return text(ServeHealth(record).json, type: "application/json", status: .internalServerError)
            }
            return text(JSONReportRenderer.render(report), type: "application/json")
        }
        router.get("/") { _, _ in
            text(StatusPage(title: title, now: Date()).render(agent.snapshot.history), type: "text/html; charset=utf-8")
        }
        return router
    }

    static func text(_ body: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: type, .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// `POST /run`'s credential check, in constant time so the token cannot be guessed byte
/// by byte from response times.
enum BearerToken {
    static func matches(_ header: String?, _ token: String) -> Bool {
        guard let header, header.lowercased().hasPrefix("bearer ") else { return false }
        let given = Array(header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces).utf8)
        let expected = Array(token.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in expected.indices { difference |= expected[index] ^ (index < given.count ? given[index] : 0) }
        return difference == 0
    }
}
