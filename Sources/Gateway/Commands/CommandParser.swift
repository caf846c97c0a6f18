public import ChatDomain
import JSON

/// One line or text frame, parsed: the command, or the error to answer, and the raw
/// `request_id` to echo either way.
public struct ParsedCommand: Sendable {
    /// The exact bytes of the client's `request_id`, if it sent one.
    public var requestID: [UInt8]?
    /// The command, or why it cannot run.
    public var command: Result<ClientCommand, ChatError>
}

/// Turns client JSON into typed commands with the protocol's error codes (protocol §2):
/// not an object → `bad_json`; unknown `type` → `unknown_type`; a missing or ill-typed
/// field → `invalid_request` naming the field.
public enum CommandParser {
    public static func parse(_ bytes: [UInt8]) -> ParsedCommand {
        guard let parsed = try? JSONParser.parseObject(bytes, spansOf: ["request_id"]) else {
            return ParsedCommand(requestID: nil, command: .failure(ChatError(.badJSON, "Invalid JSON")))
        }
        let object = parsed.object
        var requestID: [UInt8]?
        if let value = object["request_id"] {
            switch value {
            case .string, .integer, .number: requestID = parsed.spans["request_id"].map { Array(bytes[$0]) }
            default:
                return ParsedCommand(
                    requestID: nil, command: .failure(.invalidRequest("request_id must be a string or a number")))
            }
        }
        return ParsedCommand(
            requestID: requestID, command: Result { () throws(ChatError) in try command(from: object) })
    }

    static func command(from object: JSONObject) throws(ChatError) -> ClientCommand {
        let fields = Fields(object: object)
        guard case .string(let type)? = object["type"] else { throw .invalidRequest("type must be a string") }
        switch type {
        case "register":
            return .register(username: try fields.string("username"), password: try fields.string("password"))
        case "login": return .login(username: try fields.string("username"), password: try fields.string("password"))
        case "auth": return .auth(token: try fields.string("token"), since: try fields.optionalPosition("since"))
        case "logout": return .logout
        case "ping": return .ping
        case "list_users": return .listUsers(query: try fields.optionalString("query"), limit: try fields.limit())
        case "get_user_chats": return .getUserChats
        case "create_chat": return .createChat(userID: UserID(try fields.string("user_id")))
        case "create_group":
            return .createGroup(
                name: try fields.string("group_name"),
                memberIDs: try fields.stringArray("member_ids").map { UserID($0) })
        case "add_group_member":
            return .addGroupMember(
                groupID: ChatID(try fields.string("group_id")), userID: UserID(try fields.string("user_id")))
        case "remove_group_member":
            return .removeGroupMember(
                groupID: ChatID(try fields.string("group_id")), userID: UserID(try fields.string("user_id")))
        case "message":
            // The seed's text, kept for an absent field; a present but ill-typed one is named.
            guard object["chat_id"] != nil, object["content"] != nil else {
                throw .invalidRequest("chat_id and content required")
            }
            return .message(
                chatID: ChatID(try fields.string("chat_id")), content: try fields.string("content"),
                clientMessageID: try fields.optionalString("client_message_id"))
        case "get_messages":
            return .getMessages(
                chatID: ChatID(try fields.string("chat_id")),
                before: try fields.optionalString("before").map { MessageID($0) },
                limit: try fields.limit())
        case "mark_read":
            return .markRead(
                chatID: ChatID(try fields.string("chat_id")), messageID: MessageID(try fields.string("message_id")))
        case "edit_message":
            return .editMessage(
                chatID: ChatID(try fields.string("chat_id")), messageID: MessageID(try fields.string("message_id")),
                content: try fields.string("content"))
        case "delete_message":
            return .deleteMessage(
                chatID: ChatID(try fields.string("chat_id")), messageID: MessageID(try fields.string("message_id")))
        case "typing": return .typing(chatID: ChatID(try fields.string("chat_id")))
        default: throw ChatError(.unknownType, "Unknown message type")
        }
    }

    /// Typed access to a command's fields; every failure names the field.
    struct Fields {
        let object: JSONObject

        func string(_ name: String) throws(ChatError) -> String {
            guard case .string(let value)? = object[name] else { throw .invalidRequest("\(name) must be a string") }
            guard !value.isEmpty else { throw .invalidRequest("\(name) must not be empty") }
            return value
        }

        func optionalString(_ name: String) throws(ChatError) -> String? {
            switch object[name] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default: throw .invalidRequest("\(name) must be a string")
            }
        }

        func stringArray(_ name: String) throws(ChatError) -> [String] {
            guard case .array(let values)? = object[name] else {
                throw .invalidRequest("\(name) must be an array of strings")
            }
            var strings = [String]()
            for value in values {
                guard case .string(let string) = value, !string.isEmpty else {
                    throw .invalidRequest("\(name) must be an array of strings")
                }
                strings.append(string)
            }
            return strings
        }

        func limit() throws(ChatError) -> Int {
            switch object["limit"] {
            case nil, .null?: return 50
            case .integer(let value)? where (1...200).contains(value): return Int(value)
            default: throw .invalidRequest("limit must be an integer from 1 to 200")
            }
        }

        func optionalPosition(_ name: String) throws(ChatError) -> Int64? {
            switch object[name] {
            case nil, .null?: return nil
            case .integer(let value)? where value >= 0: return value
            default: throw .invalidRequest("\(name) must be a non-negative integer")
            }
        }
    }
}
