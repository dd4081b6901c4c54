import Hummingbird

/// The methods each of the agent's paths answers, and the middleware that says so: a
/// request with another method on one of these paths is `405 Method Not Allowed` with an
/// `Allow` header (RFC 9110 §15.5.6) rather than the router's 404, which told a client
/// that `/run` does not exist when it only wanted a POST. Wherever GET works, HEAD does
/// too (the router generates it: same status and headers, no body), for uptime monitors.
struct ServeMethods<Context: RequestContext>: RouterMiddleware {
    /// Path → the methods it answers.
    let allowed: [String: [HTTPRequest.Method]]

    init(_ routes: [String: [HTTPRequest.Method]]) {
        allowed = routes.mapValues { methods in methods.contains(.get) && !methods.contains(.head) ? methods + [.head] : methods }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let methods = allowed[request.uri.path], !methods.contains(request.method) else {
            return try await next(request, context)
        }
        let allow = methods.map(\.rawValue).joined(separator: ", ")
        var response = ServeRoutes.text(
            #"{"error": "\#(request.method.rawValue) is not allowed here; use \#(allow)"}"# + "\n", type: "application/json",
            status: .methodNotAllowed)
        response.headers[.allow] = allow
        return response
    }
}
