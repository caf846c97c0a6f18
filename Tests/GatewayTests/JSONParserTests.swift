import Foundation
import Testing
@testable import Gateway

@Suite struct JSONParserTests {
    /// Documents on both sides of RFC 8259's lines.
    static let valid = [
        #"{}"#, #" { "a" : 1 } "#, #"{"a":[1,2,{"b":null}],"c":true,"d":false}"#, #"{"n":-0}"#, #"{"n":1.5e-3}"#,
        #"{"n":1E+2}"#, #"{"s":"\"\\\/\b\f\n\r\t"}"#, #"{"s":"\u00e9\u4e2d\ud83d\ude00"}"#, #"{"s":"é中😀"}"#,
        #"{"big":123456789012345678901234567890}"#, #"{"a":{"a":{"a":{}}}}"#, "{\"tab\":\t1}", #"{"a":1,"a":2}"#,
    ]
    static let invalid = [
        "", " ", "{", "}", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, #"{a:1}"#, #"{'a':1}"#, #"{"a":01}"#, #"{"a":1.}"#,
        #"{"a":.5}"#, #"{"a":+1}"#, #"{"a":1e}"#, #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":"\x"}"#, #"{"a":"\u12"}"#,
        #"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#, #"{"a":"\ud800\u0041"}"#, "{\"a\":\"\u{01}\"}", #"{"a":1} x"#,
        #"{"a":[1,2]"#, #"{"a":[1,,2]}"#, #"{"a":1}{"b":2}"#, #"{"a":NaN}"#, #"{"a":1e999}"#, #"{"a":"unterminated}"#,
    ]

    @Test func acceptsAndRejectsWhatFoundationDoes() throws {
        for text in Self.valid {
            #expect(throws: Never.self, "\(text)") { try JSONParser.parseCommand(Array(text.utf8)) }
            #expect(throws: Never.self, "\(text)") { try JSONSerialization.jsonObject(with: Data(text.utf8)) }
        }
        for text in Self.invalid {
            #expect(throws: JSONParser.Malformed.self, "\(text)") { try JSONParser.parseCommand(Array(text.utf8)) }
        }
    }

    @Test func rejectsInvalidUTF8InsideStrings() {
        let bytes = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: JSONParser.Malformed.self) { try JSONParser.parseCommand(bytes) }
    }

    @Test func readsValuesExactly() throws {
        let command = try JSONParser.parseCommand(
            Array(#"{"s":"a\u00e9\ud83d\ude00\n","i":-42,"d":2.5,"big":9223372036854775808,"l":[true,null],"o":{"k":"v"}}"#.utf8))
        #expect(command.members["s"] == .string("aé😀\n"))
        #expect(command.members["i"] == .integer(-42))
        #expect(command.members["d"] == .number(2.5))
        #expect(command.members["big"] == .number(9223372036854775808))
        #expect(command.members["l"] == .array([.bool(true), .null]))
        #expect(command.members["o"] == .object(["k": .string("v")]))
    }

    @Test func returnsTheRequestIDBytesVerbatim() throws {
        for requestID in ["1.50", #""a\"b""#, "-0", "1e2", "7"] {
            let command = try JSONParser.parseCommand(Array(#"{"type":"ping", "request_id" :  \#(requestID) }"#.utf8))
            #expect(command.requestIDBytes.map { String(decoding: $0, as: UTF8.self) } == requestID)
        }
        #expect(try JSONParser.parseCommand(Array(#"{"type":"ping"}"#.utf8)).requestIDBytes == nil)
        // Only the top level's request_id counts.
        #expect(try JSONParser.parseCommand(Array(#"{"x":{"request_id":1}}"#.utf8)).requestIDBytes == nil)
    }

    @Test func deepNestingIsRefusedNotAStackOverflow() {
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: JSONParser.Malformed.self) { try JSONParser.parseCommand(Array(deep.utf8)) }
        let allowed = "{\"a\":" + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "}"
        #expect(throws: Never.self) { try JSONParser.parseCommand(Array(allowed.utf8)) }
    }
}
