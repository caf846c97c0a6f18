import ArgumentParser
import ChatDomain
import EventStore
import Foundation
import Keyring
import PostgresBackend
import Projections

struct EraseUserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase-user",
        abstract: "Forget a user (GDPR Art. 17): destroy their key; their text and name read as erased everywhere.",
        discussion: """
            Appends user_erased (who asked, when, why; no personal data) and, in the same \
            transaction, destroys the user's key, ends their sessions and refreshes the read \
            model to the placeholders. Safe while chat-gateway runs on the database: it ends \
            the user's online sessions. Then, on SQLite, truncates the WAL so that no copy of \
            the key or the text stays in the database files; on PostgreSQL, vacuums the \
            tables it changed (the server's WAL archive and backups keep their copies until \
            they expire). Events written before version 1.1 that hold \
            the user's text in plain text cannot be erased this way; they are listed.
            """)

    @Option(help: "The chat database: a SQLite file or a postgres:// URL.") var db: String
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
        let url = PostgresURL.isPostgres(db) ? try PostgresURL(db) : nil
        let storage = try await failingLegibly {
            if let url {
                return try await ChatStorage.postgres(
                    url: url, keyFile: keys.postgres(), configuration: .init(maximumConnections: 2), create: false)
            }
            _ = try openDatabase(db)  // a clear message for a missing or foreign file
            let keyring = try keys.open(for: db)
            // Another gateway's appends need no watching here: this process appends once and exits.
            let log = try await SQLiteEventLog.open(
                path: db, configuration: .init(foreignAppendPollMilliseconds: 0),
                projection: ChatProjection(keyring: keyring), create: false)
            return ChatStorage.sqlite(log: log, keyring: keyring)
        }
        let erasure: Erasure
        do {
            erasure = try await erase(in: storage)
            await storage.close()
        } catch {
            await storage.close()
            throw error
        }
        let user = erasure.user.rawValue
        if let erasedAt = erasure.position {
            print(
                "erased \(user) at position \(erasedAt): key destroyed, \(erasure.messages) messages and the username now read as erased, sessions ended"
            )
        } else {
            print("\(user) was already erased; nothing appended")
        }
        if !erasure.remnants.isEmpty {
            print(
                "\(erasure.remnants.count) events from before version 1.1 still hold this user's text or username in plain text, which crypto-shredding cannot remove (the read model hides them): positions \(erasure.remnants.map(String.init).joined(separator: ", "))"
            )
        }
        if let url {
            try await PostgresErasureCleanup.vacuum(url)
            print(
                "vacuumed: the key's and the text's old row versions are gone from the tables (PostgreSQL's WAL archive and backups keep theirs until they expire)"
            )
        } else {
            try truncateWAL(on: try openDatabase(db, readOnly: false))
        }
    }

    /// What `erase(in:)` did.
    private struct Erasure {
        var user: UserID
        /// The `user_erased` event's position; `nil` when the user was already erased.
        var position: Int64?
        var messages: Int64
        var remnants: [Int64]
    }

    private func erase(in storage: ChatStorage) async throws -> Erasure {
        let userID: UserID
        if let user {
            userID = UserID(user)
        } else if let account = try await storage.readModel.account(usernameKey: Validation.usernameKey(username ?? ""))
        {
            userID = account.userID
        } else {
            throw ReplayFailure("no user named \(username ?? "") in \(databaseName)")
        }
        guard try await storage.readModel.user(userID) != nil else {
            throw ReplayFailure("no user \(userID.rawValue) in \(databaseName)")
        }
        var erasure = Erasure(
            user: userID, messages: try await storage.readModel.messageCount(sentBy: userID), remnants: [])
        if try await !wasErased(userID, in: storage.log) {
            let event = ChatEvent.userErased(
                UserErased(userID: userID, requestedBy: requestedBy, reason: reason, erasedAt: Timestamp.now()))
            let encoded = try event.encoded(sealer: storage.keyring)
            let result = try await storage.log.append(
                [NewEvent(type: encoded.type, schemaVersion: encoded.schemaVersion, data: encoded.data)],
                to: StreamName.user(userID), expectedVersion: .any,
                metadata: EventMetadata(requestID: nil, framing: "replay"))
            erasure.position = result.lastPosition
        }
        var remnants = PlaintextRemnants(of: userID)
        var position: Int64 = 0
        while true {
            let events = try await storage.log.read(after: position, limit: 5_000)
            guard let last = events.last else { break }
            remnants.scan(events)
            position = last.position
        }
        erasure.remnants = remnants.positions
        return erasure
    }

    /// The database, as messages name it (a URL without its password).
    private var databaseName: String { (try? PostgresURL(db).redacted) ?? db }

    private func wasErased(_ user: UserID, in log: any EventLog) async throws -> Bool {
        var version: Int64 = 0
        while true {
            let events = try await log.readStream(StreamName.user(user), after: version, limit: 1_000)
            guard let last = events.last else { return false }
            if events.contains(where: { $0.type == ChatEvent.Kind.userErased.rawValue }) { return true }
            version = last.streamVersion
        }
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
