public import ChatDomain
import Foundation

/// Builds the one response each command gets (protocol §2): `{"status":"ok", "request_id": …, fields…}`
/// or `{"status":"error","code":…,"message":…,"request_id":…}`, with the client's
/// `request_id` bytes spliced in verbatim and no key when it sent none.
public enum ReplyEncoder {
    /// An ok response; `fields` is an encoded JSON object whose members follow `status`.
    public static func ok(requestID: [UInt8]?, fields: [UInt8]) -> [UInt8] {
        var out = Array(#"{"status":"ok""#.utf8)
        appendRequestID(requestID, to: &out)
        appendMembers(of: fields, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    public static func error(_ error: ChatError, requestID: [UInt8]?) -> [UInt8] {
        var out = Array(#"{"status":"error""#.utf8)
        appendRequestID(requestID, to: &out)
        let body = (try? encoder.encode(["code": error.code.rawValue, "message": error.message])) ?? Data("{}".utf8)
        appendMembers(of: Array(body), to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Sorted keys and no escaped slashes, the same everywhere.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Encodes a result's fields.
    public static func fields(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    private static func appendRequestID(_ requestID: [UInt8]?, to out: inout [UInt8]) {
        guard let requestID else { return }
        out.append(contentsOf: #","request_id":"#.utf8)
        out.append(contentsOf: requestID)
    }

    /// Appends `object`'s members (it must be `{…}`) after a comma.
    private static func appendMembers(of object: [UInt8], to out: inout [UInt8]) {
        guard object.count > 2 else { return }
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: object[1..<(object.count - 1)])
    }
}
