import ChatDomain
import Testing

/// `edit_message` and `delete_message` (protocol §9), given a chat and a message, when a user
/// asks, then these events or this error.
@Suite struct EditDecisionsTests {
    let later = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 60_000)
    let direct = ChatState(chatID: ChatID("d1"), kind: .direct, name: nil, members: [alice: .member, bob: .member])
    let team = group([alice: .admin, bob: .member, carol: .member])

    func message(
        in chat: ChatState, from sender: UserID, _ content: String = "first", deleted: Bool = false,
        editedAt: Timestamp? = nil
    ) -> CurrentMessage {
        CurrentMessage(
            reference: MessageReference(messageID: MessageID("m1"), chatID: chat.chatID, senderID: sender, position: 7),
            content: content, editedAt: editedAt, versionPosition: editedAt == nil ? 7 : 9, deleted: deleted)
    }

    @Test func theSenderEditsTheirMessage() throws {
        let outcome = try Decisions.editMessage(
            requester: bob, chat: direct, message: message(in: direct, from: bob), content: "second", now: later)
        #expect(
            outcome
                == .edit(
                    MessageEdited(
                        messageID: MessageID("m1"), chatID: direct.chatID, editorID: bob, content: "second",
                        editedAt: later)))
    }

    @Test func theSameTextAgainIsTheCurrentVersionUnchanged() throws {
        let current = message(in: direct, from: bob, "second", editedAt: now)
        let outcome = try Decisions.editMessage(
            requester: bob, chat: direct, message: current, content: "second", now: later)
        #expect(outcome == .unchanged(current))
    }

    @Test func nobodyButTheSenderEditsNotEvenAnAdmin() {
        expectError(.forbidden) {
            try Decisions.editMessage(
                requester: alice, chat: team, message: message(in: team, from: bob), content: "x", now: later)
        }
    }

    @Test func aSenderWhoLeftCannotEdit() {
        let left = group([alice: .admin])
        expectError(.forbidden) {
            try Decisions.editMessage(
                requester: bob, chat: left, message: message(in: left, from: bob), content: "x", now: later)
        }
    }

    @Test func aDeletedMessageOrOneOfAnotherChatIsAnInvalidMessageID() {
        for target in [message(in: direct, from: bob, deleted: true), message(in: team, from: bob), nil] {
            do {
                _ = try Decisions.editMessage(requester: bob, chat: direct, message: target, content: "x", now: later)
                Issue.record("expected invalid_request")
            } catch {
                #expect(error.code == .invalidRequest)
                #expect(error.message.contains("message_id"))
            }
        }
    }

    @Test func editedTextFollowsTheRulesOfMessage() {
        expectError(.contentTooLong) {
            try Decisions.editMessage(
                requester: bob, chat: direct, message: message(in: direct, from: bob),
                content: String(repeating: "a", count: 4001), now: later)
        }
        expectError(.invalidRequest) {
            try Decisions.editMessage(
                requester: bob, chat: direct, message: message(in: direct, from: bob), content: "\u{00A0} ", now: later
            )
        }
    }

    @Test func anUnknownChatIsChatNotFound() {
        expectError(.chatNotFound) {
            try Decisions.editMessage(requester: bob, chat: nil, message: nil, content: "x", now: later)
        }
        expectError(.chatNotFound) { try Decisions.deleteMessage(requester: bob, chat: nil, message: nil, now: later) }
    }

    @Test func theSenderDeletes() throws {
        let events = try Decisions.deleteMessage(
            requester: bob, chat: direct, message: message(in: direct, from: bob), now: later)
        #expect(
            events == [
                .messageDeleted(
                    MessageDeleted(messageID: MessageID("m1"), chatID: direct.chatID, deletedBy: bob, deletedAt: later))
            ])
    }

    @Test func aGroupAdminDeletesAnyonesMessage() throws {
        let events = try Decisions.deleteMessage(
            requester: alice, chat: team, message: message(in: team, from: bob), now: later)
        #expect(events.count == 1)
    }

    @Test func aMemberCannotDeleteAnothersMessageNorCanTheOtherSideOfADirectChat() {
        expectError(.forbidden) {
            try Decisions.deleteMessage(requester: carol, chat: team, message: message(in: team, from: bob), now: later)
        }
        expectError(.forbidden) {
            try Decisions.deleteMessage(
                requester: alice, chat: direct, message: message(in: direct, from: bob), now: later)
        }
        expectError(.forbidden) {
            try Decisions.deleteMessage(
                requester: carol, chat: direct, message: message(in: direct, from: bob), now: later)
        }
    }

    @Test func deletingAgainAppendsNothing() throws {
        let events = try Decisions.deleteMessage(
            requester: bob, chat: direct, message: message(in: direct, from: bob, deleted: true), now: later)
        #expect(events.isEmpty)
    }
}
