// libFuzzer target for the project's JSON parser (Sources/JSON), compiled together with it
// by scripts/fuzz.sh. Any crash, hang, sanitizer report or broken invariant fails.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONCommand(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let parsed = try? JSONParser.parseObject(bytes, spansOf: ["request_id", "type"]) {
        for (key, span) in parsed.spans {
            // A span is a slice of the input that parses alone, to the value that was read.
            precondition(span.lowerBound >= 0 && span.upperBound <= bytes.count)
            let alone = try? JSONParser.parseValue(Array(bytes[span]))
            precondition(alone != nil)
            precondition(alone == parsed.object[key])
        }
        precondition(parsed.object.members.count >= parsed.spans.count)
    }
    _ = try? JSONParser.parseValue(bytes)
    return 0
}
