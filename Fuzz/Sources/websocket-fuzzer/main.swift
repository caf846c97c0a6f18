import Foundation
import FuzzSupport

/// WebSocket frames after a valid upgrade: NIO's decoder, the frame validator, the
/// aggregator and the connection handler. The first input byte picks the endpoint (even:
/// the chat endpoint `/ws`; odd: the echo endpoint); the rest is what the client sends.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let selector = input.first else { return 0 }
    let written = PipelineHarness.run(
        PipelineHarness.upgradeRequest(path: selector % 2 == 0 ? "/ws" : "/echo") + input.dropFirst())
    // Whatever follows it, a valid upgrade is accepted first.
    precondition(
        written.starts(with: Array("HTTP/1.1 101 Switching Protocols\r\n".utf8)), "the upgrade was not accepted")
    return 0
}

exit(FuzzerDriver.run(fuzzOne))
