// The HTTP client and the logger are part of the core's public API: checker plugins
// import ReconcileKit alone and get them through the ObservationContext.
@_exported import CurlHTTP
@_exported import Logging
// One rule for credentials in URLs, shared with GitStore and CurlHTTP below.
@_exported import Redacting
