import Foundation
import Testing

/// A group created with many members at once: one `chat:new` each, the same group for all,
/// and a resume inside it replays exactly what the resuming member missed.
@Suite(.timeLimit(.minutes(2)))
struct LargeRoomTests {
    static let memberCount = 40

    @Test func everyMemberOfANewGroupGetsTheSameChatNewOnceAndResumesIt() async throws {
        let gateway = try await GatewayHarness.start(
            configuration: .init(port: 0, rateLimit: 10_000, rateBurst: 10_000))
        let creator = try await gateway.tcp()
        _ = try await command(creator, #"{"type":"register","username":"zed-admin","password":"password-1"}"#)
        let login = try await command(creator, #"{"type":"login","username":"zed-admin","password":"password-1"}"#)
        let token = try #require(login["token"] as? String)
        var members = [(client: RawClient, id: String, name: String)]()
        for index in 0..<Self.memberCount {
            let client = try await gateway.tcp()
            let name = String(format: "Member-%02d", Self.memberCount - index)
            let id =
                try await command(client, #"{"type":"register","username":"\#(name)","password":"password-1"}"#).field(
                    "user_id", as: String.self)
            _ = try await command(client, #"{"type":"login","username":"\#(name)","password":"password-1"}"#)
            members.append((client, id, name))
        }
        let ids = members.map { #""\#($0.id)""# }.joined(separator: ",")
        let created = try await command(
            creator, #"{"type":"create_group","group_name":"Everyone","member_ids":[\#(ids)]}"#)
        let groupID = try #require(created["group_id"] as? String)

        let expectedNames = ["zed-admin"] + members.map(\.name).sorted { $0.lowercased() < $1.lowercased() }
        var position: Int?
        for member in members {
            let chatNew = try await push(member.client)
            #expect(chatNew["type"] as? String == "chat:new")
            let payload = try #require(chatNew["payload"] as? [String: Any])
            #expect(payload["id"] as? String == groupID)
            #expect(payload["name"] as? String == "Everyone")
            let listed = (payload["members"] as? [[String: Any]] ?? []).compactMap { $0["username"] as? String }
            #expect(listed == expectedNames, "admins first, then by username")
            position = position ?? chatNew["position"] as? Int
            #expect(chatNew["position"] as? Int == position, "one event, one push")
        }
        // The creator's own connection gets none; a message then arrives as the next push.
        _ = try await command(creator, #"{"type":"message","chat_id":"\#(groupID)","content":"hello all"}"#)
        #expect(try await push(members[0].client)["type"] as? String == "message:new")

        // A device of the creator resuming from before the group sees the group, then the message.
        let device = try await gateway.tcp()
        let since = try #require(login["position"] as? Int)
        _ = try await command(device, #"{"type":"auth","token":"\#(token)","since":\#(since)}"#)
        let replayed = try await push(device)
        #expect(replayed["type"] as? String == "chat:new")
        #expect((replayed["payload"] as? [String: Any])?["id"] as? String == groupID)
        let message = try await push(device)
        #expect(message["type"] as? String == "message:new")
        try await gateway.stop()
    }
}
