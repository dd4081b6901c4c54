/// The Python program reconcile sends to the project's interpreter (on stdin for the
/// local runner, as `python -c` for docker exec). Its text is Plugins/Django/introspection.py,
/// a real Python file (compiled by the tests, lintable by Python tools), embedded in the
/// binary at build time (SwiftPM's `embedInCode`): an installed `reconcile` always has
/// it, no resource lookup can fail at run time, and it can never be stale next to the binary.
///
/// Contract (read by `IntrospectionOutput`): `argv[1]` is a JSON configuration
/// (`settings`: names to report, `expected`: the manifest's values, used only to find
/// an environment variable value that fixes a mismatch, `checks`: run the deployment
/// checks, `timeout`: seconds before the process ends itself); the output is a marker
/// line and one JSON document on the original stdout. Anything the project prints goes
/// to stderr. Secret values never leave the process.
enum IntrospectionScript {
    static let source = String(decoding: PackageResources.introspection_py, as: UTF8.self)
}
