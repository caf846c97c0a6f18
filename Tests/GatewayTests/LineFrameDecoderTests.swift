import NIOCore
import NIOEmbedded
import Testing

@testable import Gateway

@Suite struct LineFrameDecoderTests {
    func decode(_ chunks: [String], limit: Int = 16) throws -> [String] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: limit)))
        for chunk in chunks { try channel.writeInbound(ByteBuffer(string: chunk)) }
        var lines = [String]()
        while let line = try channel.readInbound(as: LineFrameDecoder.Line.self) {
            switch line {
            case .line(let buffer): lines.append(String(buffer: buffer))
            case .tooLong: lines.append("<too long>")
            }
        }
        _ = try? channel.finish()
        return lines
    }

    @Test func linesSplitAcrossReadsAreReassembled() throws {
        #expect(try decode(["{\"a\"", ":1}\n{\"b", "\":2}\r", "\n"]) == [#"{"a":1}"#, #"{"b":2}"#])
    }

    @Test func everyByteSeparately() throws {
        let input = "ab\r\n\ncd\n"
        #expect(try decode(input.map { String($0) }) == ["ab", "", "cd"])
    }

    @Test func aLineOverTheLimitIsRefusedOnceAndTheRestIgnored() throws {
        #expect(try decode(["0123456789abcdef", "X", "\nnext\n"]) == ["<too long>"])
        #expect(try decode([String(repeating: "y", count: 16) + "\n"]) == [String(repeating: "y", count: 16)])
        #expect(try decode([String(repeating: "y", count: 16) + "\r\n"]) == [String(repeating: "y", count: 16)])
    }
}
