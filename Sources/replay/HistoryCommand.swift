import ArgumentParser
import ChatDomain
import EventStore
import Foundation
import Keyring
import Projections

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "The audit view: who did what, when, in log order.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table
        case ndjson
    }

    @Option(help: "The chat database.") var db: String
    @Option(help: "Only events of this chat.") var chat: String?
    @Option(help: "Only events this user did or is named in.") var user: String?
    @Option(help: "First position (inclusive).") var from: Int64 = 1
    @Option(help: "Last position (inclusive).") var to: Int64 = .max
    @Option(help: "table or ndjson.") var format: Format = .table
    @OptionGroup var keys: KeyFileOption

    func validate() throws {
        guard from >= 1, to >= from else { throw ValidationError("need 1 <= --from <= --to") }
    }

    func run() throws {
        let connection = try openDatabase(db)
        let keyring = try keys.existing(for: db)
        let (names, erased) = try usernames(on: connection, keyring: keyring)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let stream = chat.map { StreamName.chat(ChatID($0)) }
        var position = from - 1
        var printed = 0
        if format == .table {
            print("POSITION  RECORDED AT               ACTOR                 EVENT")
        }
        while position < to {
            let events = try EventLogFile.read(after: position, limit: 5_000, on: connection)
            guard let last = events.last else { break }
            for recorded in events where recorded.position <= to {
                if let stream, recorded.streamID != stream { continue }
                let entry = AuditEntry(recorded, username: { names[$0] }, opener: keyring, erasedUsers: erased)
                if let user, !entry.concerns(UserID(user)) { continue }
                switch format {
                case .ndjson:
                    print(String(decoding: try encoder.encode(entry), as: UTF8.self))
                case .table:
                    let actor = entry.actor.map { names[UserID($0)] ?? $0 } ?? "-"
                    print(
                        String(entry.position).padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
                            + entry.recordedAt + "  " + actor.padding(toLength: 20, withPad: " ", startingAt: 0) + "  "
                            + entry.type + ": " + entry.summary)
                }
                printed += 1
            }
            position = last.position
        }
        if format == .table { FileHandle.standardError.write(Data("\(printed) events\n".utf8)) }
    }

    /// User id → username from the log itself, so history works even without projections;
    /// erased users by their placeholder, even where an old event still names them.
    private func usernames(on connection: SQLiteConnection, keyring: Keyring?) throws -> (
        [UserID: String], Set<UserID>
    ) {
        let statement = try connection.prepare(
            "SELECT type, schema_version, data FROM events WHERE type IN ('user_registered', 'user_erased') ORDER BY position"
        )
        var names = [UserID: String]()
        var erased = Set<UserID>()
        while try statement.step() {
            switch try? ChatEvent(
                type: statement.string(0), schemaVersion: statement.int(1), data: statement.bytes(2), opener: keyring)
            {
            case .userRegistered(let registered)?: names[registered.userID] = registered.username
            case .userErased(let event)?:
                names[event.userID] = ErasedUser.placeholderName(for: event.userID)
                erased.insert(event.userID)
            default: break
            }
        }
        return (names, erased)
    }
}
