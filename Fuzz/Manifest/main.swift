import CaddyChecker
import DjangoChecker
import DockerChecker
import Foundation
import FuzzDriver
import HealthChecker
import MediaChecker
import ReconcileKit

/// The checkers the `reconcile` command registers (Sources/reconcile/Registry.swift; an
/// executable's module cannot be imported), so every section's decoder is exercised.
let registry = CheckerRegistry(checkers: [
    HealthChecker.self, CaddyChecker.self, DockerChecker.self, DjangoChecker.self, MediaChecker.self,
])

/// libFuzzer entry for the manifest decoder: YAML from whoever can push to the config
/// repository. Properties: no input crashes or hangs, and a rejected manifest is
/// rejected with errors that each name a position inside the file.
@_cdecl("LLVMFuzzerTestOneInput")
func manifestFuzzTarget(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let text = String(bytes: UnsafeBufferPointer(start: data, count: size), encoding: .utf8) else { return 0 }
    do {
        _ = try ManifestDecoder(registry: registry).decode(text, file: "fuzz.yaml", variableOverrides: ["base": "http://x"])
    } catch {
        for problem in error.errors {
            guard problem.position.file == "fuzz.yaml", problem.position.line >= 1, problem.position.column >= 1 else {
                fatalError("an error without a position in the file: \(problem)")
            }
        }
    }
    return 0
}

exit(runLibFuzzer(manifestFuzzTarget))
