import Foundation
import FuzzDriver

@testable import CaddyChecker

/// libFuzzer entry for the parser and normaliser of Caddy's JSON config, which read
/// whatever the admin API (or anything listening at its address) answers. Properties:
/// no input crashes, hangs or grows memory without bound; what the parser accepts
/// prints canonically and parses back to the same value; normalising never traps.
@_cdecl("LLVMFuzzerTestOneInput")
func caddyJSONFuzzTarget(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    if let value = try? JSONValue.parse(bytes) {
        let text = value.canonicalText
        guard let again = try? JSONValue.parse(Data(text.utf8)), again == value else {
            fatalError("the canonical text of an accepted value does not parse back to it: \(text.prefix(200))")
        }
    }
    _ = CaddyObservation(admin: "http://127.0.0.1:2019", live: .config(bytes))
    return 0
}

exit(runLibFuzzer(caddyJSONFuzzTarget))
