/// libFuzzer's own driver (compiler-rt's `LLVMFuzzerRunDriver`), called from a fuzz
/// target's `main`: SwiftPM gives every executable a `main` of its own, so libFuzzer's
/// `main` is never the entry point and the target starts the driver itself.
@_silgen_name("LLVMFuzzerRunDriver")
private func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer with this process's arguments on `target`; its exit status.
public func runLibFuzzer(_ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    return llvmFuzzerRunDriver(&argc, &argv, target)
}
