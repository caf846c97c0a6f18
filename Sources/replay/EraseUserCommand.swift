import ArgumentParser
import ChatDomain
import EventStore
import Foundation
import Keyring
import Projections

struct EraseUserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase-user",
        abstract: "Forget a user (GDPR Art. 17): destroy their key; their text and name read as erased everywhere.",
        discussion: """
            Appends user_erased (who asked, when, why; no personal data) and, in the same \
            transaction, destroys the user's key, ends their sessions and refreshes the read \
            model to the placeholders. Safe while chat-gateway runs on the database: it ends \
            the user's online sessions. Then truncates the WAL so that no copy of the key or \
            the text stays in the database files. Events written before version 1.1 that hold \
            the user's text in plain text cannot be erased this way; they are listed.
            """)

    @Option(help: "The chat database.") var db: String
    @Option(help: "The user's id.") var user: String?
    @Option(help: "Or the user's current username (case-insensitive).") var username: String?
    @Option(help: "Why, for the audit trail (recorded in the log: write no personal data here).")
    var reason: String?
    @Option(help: "Who asked, for the audit trail.") var requestedBy = "operator"
    @OptionGroup var keys: KeyFileOption

    func validate() throws {
        guard (user == nil) != (username == nil) else { throw ValidationError("give --user or --username") }
    }

    func run() async throws {
        let file = try openDatabase(db)  // a clear message for a missing or foreign file
        let keyring = try keys.open(for: db)
        let userID: UserID
        if let user {
            userID = UserID(user)
        } else if let account = try ReadModelQueries.account(
            usernameKey: Validation.usernameKey(username ?? ""), on: file)
        {
            userID = account.userID
        } else {
            throw ReplayFailure("no user named \(username ?? "") in \(db)")
        }
        let user = userID.rawValue
        // Another gateway's appends need no watching here: this process appends once and exits.
        let log = try await SQLiteEventLog.open(
            path: db, configuration: .init(foreignAppendPollMilliseconds: 0),
            projection: ChatProjection(keyring: keyring), create: false)
        let before = try await log.withReader { db in
            func count(_ sql: String, _ value: String) throws -> Int64 {
                let statement = try db.prepare(sql)
                statement.bind(1, value)
                _ = try statement.step()
                return statement.int64(0)
            }
            return (
                exists: try ReadModelQueries.user(userID, on: db) != nil,
                alreadyErased: try count(
                    "SELECT count(*) FROM events WHERE stream_id = ? AND type = 'user_erased'",
                    StreamName.user(userID)) > 0,
                messages: try count("SELECT count(*) FROM messages WHERE sender_id = ?", userID.rawValue)
            )
        }
        guard before.exists else {
            await log.close()
            throw ReplayFailure("no user \(user) in \(db)")
        }
        var erasedAt: Int64?
        if !before.alreadyErased {
            let event = ChatEvent.userErased(
                UserErased(userID: userID, requestedBy: requestedBy, reason: reason, erasedAt: Timestamp.now()))
            let encoded = try event.encoded(sealer: keyring)
            let result = try await log.append(
                [NewEvent(type: encoded.type, schemaVersion: encoded.schemaVersion, data: encoded.data)],
                to: StreamName.user(userID), expectedVersion: .any,
                metadata: EventMetadata(requestID: nil, framing: "replay"))
            erasedAt = result.lastPosition
        }
        await log.close()

        let connection = try openDatabase(db, readOnly: false)
        let remnants = try PlaintextRemnants.positions(of: userID, on: connection)
        if let erasedAt {
            print(
                "erased \(user) at position \(erasedAt): key destroyed, \(before.messages) messages and the username now read as erased, sessions ended"
            )
        } else {
            print("\(user) was already erased; nothing appended")
        }
        if !remnants.isEmpty {
            print(
                "\(remnants.count) events from before version 1.1 still hold this user's text or username in plain text, which crypto-shredding cannot remove (the read model hides them): positions \(remnants.map(String.init).joined(separator: ", "))"
            )
        }
        try truncateWAL(on: connection)
    }

    /// Copies every page into the database file and empties the WAL, where the key's and the
    /// text's earlier pages would otherwise stay until overwritten.
    private func truncateWAL(on connection: SQLiteConnection) throws {
        let statement = try connection.prepare("PRAGMA wal_checkpoint(TRUNCATE)")
        for _ in 0..<5 {
            guard try statement.step() else { break }
            if statement.int64(0) == 0 {
                print(
                    "checkpoint: the WAL is empty; no earlier page of the key or the text remains in the database files"
                )
                return
            }
            statement.reset()
        }
        throw ReplayFailure(
            "the erasure is committed, but the WAL could not be emptied (the database is busy): run erase-user again to finish"
        )
    }
}
