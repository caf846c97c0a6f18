import ChatDomain
import EventStore
import Foundation
import Keyring
import Projections

/// A realistic chat log made without the network: users, groups of five and messages of
/// about 200 bytes, written straight into a log file with a valid hash chain.
struct SyntheticChat {
    let userCount: Int
    let chatCount: Int
    let groupSize = 5
    let users: [UserID]
    let chats: [ChatID]

    init(userCount: Int, chatCount: Int) {
        self.userCount = userCount
        self.chatCount = chatCount
        users = (0..<userCount).map { UserID(String(format: "u%023d", $0)) }
        chats = (0..<chatCount).map { ChatID(String(format: "g%023d", $0)) }
    }

    /// 100 characters: with ids and times, a `message_sent` event's data is about 230 bytes.
    static let content = String(repeating: "lorem ipsum ", count: 9) + "dolor sit"

    static let passwordHash = PasswordHash(
        algorithm: "scrypt", rounds: 1024, blockSize: 8, parallelism: 1, salt: "c2FsdHNhbHRzYWx0c2FsdA==",
        hash: "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=")

    static let time = Timestamp(millisecondsSinceEpoch: 1_795_856_400_000)

    func sender(of chat: Int, message: Int) -> UserID { users[(chat * groupSize + message % groupSize) % userCount] }

    func messageEvent(chat: Int, id: MessageID, sender: UserID, sealer: any TextSealer) throws -> NewEvent {
        let sent = MessageSent(
            messageID: id, chatID: chats[chat], senderID: sender,
            content: Self.content, clientMessageID: nil, sentAt: Self.time)
        let encoded = try ChatEvent.messageSent(sent).encoded(sealer: sealer)
        return NewEvent(type: encoded.type, schemaVersion: encoded.schemaVersion, data: encoded.data)
    }

    /// Users and groups, as (stream, events) in log order.
    func setupEvents(sealer: any TextSealer) throws -> [(String, [NewEvent])] {
        var appends = [(String, [NewEvent])]()
        for (index, user) in users.enumerated() {
            let event = try ChatEvent.userRegistered(
                UserRegistered(
                    userID: user, username: "user\(index)", password: Self.passwordHash, registeredAt: Self.time)
            ).encoded(sealer: sealer)
            appends.append(
                (
                    StreamName.user(user),
                    [NewEvent(type: event.type, schemaVersion: event.schemaVersion, data: event.data)]
                ))
        }
        for (index, chat) in chats.enumerated() {
            let members = (0..<groupSize).map {
                GroupCreated.Member(
                    userID: users[(index * groupSize + $0) % userCount], role: $0 == 0 ? .admin : .member)
            }
            let event = try ChatEvent.groupCreated(
                GroupCreated(
                    chatID: chat, name: "group \(index)", createdBy: members[0].userID, members: members,
                    createdAt: Self.time)
            ).encoded(sealer: sealer)
            appends.append((StreamName.chat(chat), [NewEvent(type: event.type, schemaVersion: 1, data: event.data)]))
        }
        return appends
    }

    /// Writes users, groups and `messageCount` messages round-robin over the chats directly
    /// into a new log at `path` (no projection), in large transactions; with a keyring, every
    /// user's key too.
    func writeLog(path: String, messageCount: Int, sealer: any TextSealer) throws {
        let db = try EventLogFile.create(path: path)
        if let keyring = sealer as? Keyring {
            try db.execute("BEGIN")
            for user in users { try keyring.createKey(for: user, on: db) }
            try db.execute("COMMIT")
        }
        try db.execute("PRAGMA synchronous = OFF")
        var position: Int64 = 0
        var hash = EventHash.genesis
        var versions = [String: Int64]()
        let metadata = try EventMetadata(actor: nil, framing: "tool").encoded()
        func write(_ stream: String, _ event: NewEvent) throws {
            position += 1
            let version = (versions[stream] ?? 0) + 1
            versions[stream] = version
            hash = EventHash.chain(
                previous: hash, position: position, streamID: stream, streamVersion: version, type: event.type,
                schemaVersion: event.schemaVersion, data: event.data, metadata: metadata,
                recordedAt: Self.time.millisecondsSinceEpoch)
            try EventLogFile.insertRecorded(
                RecordedEvent(
                    position: position, streamID: stream, streamVersion: version, type: event.type,
                    schemaVersion: event.schemaVersion, data: event.data, metadata: metadata,
                    recordedAt: Self.time.millisecondsSinceEpoch, hash: hash), on: db)
        }
        try db.execute("BEGIN")
        for (stream, events) in try setupEvents(sealer: sealer) { for event in events { try write(stream, event) } }
        for index in 0..<messageCount {
            let chat = index % chatCount
            let message = index / chatCount
            try write(
                StreamName.chat(chats[chat]),
                try messageEvent(
                    chat: chat, id: MessageID(String(format: "m%023d", index)),
                    sender: sender(of: chat, message: message), sealer: sealer))
            if index % 50_000 == 49_999 { try db.execute("COMMIT; BEGIN") }
        }
        try db.execute("COMMIT; PRAGMA wal_checkpoint(TRUNCATE)")
    }
}
