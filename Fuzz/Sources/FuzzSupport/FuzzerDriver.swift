public import CLibFuzzer

/// Starts libFuzzer with the process's arguments and one input callback.
///
/// SwiftPM links an executable's own main under another name and points `main` at it, so
/// the target starts libFuzzer itself. It also exports its callback as
/// `LLVMFuzzerTestOneInput`, which libFuzzer's archive references.
public enum FuzzerDriver {
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

    public static func run(_ callback: Callback) -> Int32 {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        return LLVMFuzzerRunDriver(&argc, &argv, callback)
    }
}
