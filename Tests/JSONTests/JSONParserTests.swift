import Foundation
import JSON
import Testing

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
        #"{"a":[1,2]"#, #"{"a":[1,,2]}"#, #"{"a":1}{"b":2}"#, #"{"a":NaN}"#, #"{"a":"unterminated}"#,
    ]

    @Test func acceptsAndRejectsWhatFoundationDoes() throws {
        for text in Self.valid {
            #expect(throws: Never.self, "\(text)") { try JSONParser.parseObject(Array(text.utf8)) }
            #expect(throws: Never.self, "\(text)") { try JSONSerialization.jsonObject(with: Data(text.utf8)) }
        }
        for text in Self.invalid {
            #expect(throws: JSONParser.Malformed.self, "\(text)") { try JSONParser.parseObject(Array(text.utf8)) }
        }
    }

    @Test func rejectsInvalidUTF8InsideStrings() {
        let bytes = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: JSONParser.Malformed.self) { try JSONParser.parseObject(bytes) }
    }

    @Test func readsValuesExactly() throws {
        let object = try JSONParser.parseObject(
            Array(
                #"{"s":"a\u00e9\ud83d\ude00\n","i":-42,"d":2.5,"big":9223372036854775808,"l":[true,null],"o":{"k":"v"}}"#
                    .utf8)
        ).object
        #expect(object["s"] == .string("aé😀\n"))
        #expect(object["i"] == .integer(-42))
        #expect(object["d"] == .number(2.5))
        #expect(object["big"] == .number(9_223_372_036_854_775_808))
        #expect(object["l"] == .array([.bool(true), .null]))
        #expect(object["o"] == .object(JSONObject([.init(key: "k", value: .string("v"))])))
        #expect(object.members.map(\.key) == ["s", "i", "d", "big", "l", "o"], "members in the order written")
    }

    @Test func aRepeatedKeyReadsAsItsLastOccurrence() throws {
        let object = try JSONParser.parseObject(Array(#"{"a":1,"b":2,"a":3}"#.utf8)).object
        #expect(object["a"] == .integer(3))
        #expect(object.hasRepeatedKeys)
        #expect(try !JSONParser.parseObject(Array(#"{"a":1,"b":2}"#.utf8)).object.hasRepeatedKeys)
    }

    @Test func numbersBeyondADoubleAreValidJSON() throws {
        #expect(try JSONParser.parseValue(Array("1e400".utf8)) == .number(.infinity))
        #expect(try JSONParser.parseValue(Array("-1e400".utf8)) == .number(-.infinity))
        let parsed = try JSONParser.parseObject(Array(#"{"request_id":1e400}"#.utf8), spansOf: ["request_id"])
        let span = try #require(parsed.spans["request_id"])
        #expect(Array(#"{"request_id":1e400}"#.utf8)[span] == Array("1e400".utf8)[...])
    }

    @Test func returnsTheBytesOfTheMembersAskedFor() throws {
        for requestID in ["1.50", #""a\"b""#, "-0", "1e2", "7", #"{"k":[1, 2]}"#] {
            let bytes = Array(#"{"type":"ping", "request_id" :  \#(requestID) }"#.utf8)
            let parsed = try JSONParser.parseObject(bytes, spansOf: ["request_id"])
            #expect(parsed.spans["request_id"].map { String(decoding: bytes[$0], as: UTF8.self) } == requestID)
            #expect(parsed.spans["type"] == nil, "only the members asked for")
        }
        #expect(try JSONParser.parseObject(Array(#"{"type":"ping"}"#.utf8), spansOf: ["request_id"]).spans.isEmpty)
        // Only the top level's members count.
        #expect(
            try JSONParser.parseObject(Array(#"{"x":{"request_id":1}}"#.utf8), spansOf: ["request_id"]).spans.isEmpty)
    }

    @Test func deepNestingIsRefusedNotAStackOverflow() {
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: JSONParser.Malformed.self) { try JSONParser.parseObject(Array(deep.utf8)) }
        let allowed = "{\"a\":" + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "}"
        #expect(throws: Never.self) { try JSONParser.parseObject(Array(allowed.utf8)) }
    }
}
