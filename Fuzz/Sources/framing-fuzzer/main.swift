import Foundation
import FuzzSupport

/// The first-byte sniffer and what it chooses: NDJSON lines (the line decoder and its limit)
/// or HTTP (routes and the WebSocket upgrade), from arbitrary client bytes.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeBufferPointer(start: data, count: size)
    let written = PipelineHarness.run(input)
    // A first byte that starts neither JSON nor an HTTP request gets exactly this answer.
    if let first = input.first, !PipelineHarness.startsJSONOrHTTP(first) {
        precondition(
            written == Array(#"{"status":"error","code":"bad_json","message":"Unrecognised protocol"}"#.utf8) + [0x0A],
            "unrecognised first byte answered otherwise")
    }
    return 0
}

exit(FuzzerDriver.run(fuzzOne))
