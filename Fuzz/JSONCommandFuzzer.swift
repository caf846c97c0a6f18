// libFuzzer target for the gateway's JSON command parser (Sources/Gateway/Commands/JSONParser.swift),
// compiled together with it by scripts/fuzz.sh. Any crash, hang or sanitizer report fails.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONCommand(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let command = try? JSONParser.parseCommand(bytes) {
        // The request_id bytes, when present, are a slice of the input that parses alone.
        if let requestID = command.requestIDBytes {
            precondition(requestID.startIndex >= 0 && requestID.endIndex <= bytes.count)
            precondition((try? JSONParser.parseValue(Array(requestID))) != nil)
        }
    }
    _ = try? JSONParser.parseValue(bytes)
    return 0
}
