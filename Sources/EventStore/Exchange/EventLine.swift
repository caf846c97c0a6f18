import Foundation
import JSON

/// One event as a line of the NDJSON exchange format.
///
/// `{"position":1,"stream_id":"…","stream_version":1,"type":"…","schema_version":1,
/// "recorded_at":1764325800000,"hash":"<hex>","data":{…},"metadata":{…}}`
///
/// `data` and `metadata` are the stored JSON, verbatim, so the chain can be re-checked.
public enum EventLine {
    /// Why a line could not be read.
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    private struct Header: Encodable {
        var position: Int64
        var stream_id: String
        var stream_version: Int64
        var type: String
        var schema_version: Int
        var recorded_at: Int64
        var hash: String
    }

    public static func encode(_ event: RecordedEvent) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = Array(
            try encoder.encode(
                Header(
                    position: event.position, stream_id: event.streamID, stream_version: event.streamVersion,
                    type: event.type, schema_version: event.schemaVersion, recorded_at: event.recordedAt,
                    hash: hex(event.hash))))
        line.removeLast()  // the closing brace; data and metadata follow verbatim
        line.append(contentsOf: #","data":"#.utf8)
        line.append(contentsOf: event.data)
        line.append(contentsOf: #","metadata":"#.utf8)
        line.append(contentsOf: event.metadata)
        line.append(UInt8(ascii: "}"))
        return line
    }

    public static func decode(_ line: [UInt8]) throws(Malformed) -> RecordedEvent {
        let parsed: JSONParser.ParsedObject
        do { parsed = try JSONParser.parseObject(line, spansOf: ["data", "metadata"]) } catch {
            throw Malformed(reason: "not a JSON object")
        }
        let object = parsed.object
        guard case .object? = object["data"], let data = parsed.spans["data"] else {
            throw Malformed(reason: "missing object field 'data'")
        }
        guard case .object? = object["metadata"], let metadata = parsed.spans["metadata"] else {
            throw Malformed(reason: "missing object field 'metadata'")
        }
        guard let position = object["position"]?.integer, let streamID = object.string("stream_id"),
            let streamVersion = object["stream_version"]?.integer, let type = object.string("type"),
            let schemaVersion = object["schema_version"]?.integer, let recordedAt = object["recorded_at"]?.integer,
            let hashText = object.string("hash")
        else { throw Malformed(reason: "missing or ill-typed event fields") }
        guard let hash = unhex(hashText), hash.count == 32 else { throw Malformed(reason: "hash is not 64 hex digits") }
        return RecordedEvent(
            position: position, streamID: streamID, streamVersion: streamVersion, type: type,
            schemaVersion: Int(schemaVersion), data: Array(line[data]), metadata: Array(line[metadata]),
            recordedAt: recordedAt, hash: hash)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes = [UInt8]()
        var index = 0
        while index < characters.count {
            guard let high = nibble(characters[index]), let low = nibble(characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
