import ArgumentParser
import ChatDomain
import EventStore
import Foundation
import Keyring
import PostgresBackend
import Projections

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "The audit view: who did what, when, in log order.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table
        case ndjson
    }

    @Option(help: "The chat database: a SQLite file or a postgres:// URL.") var db: String
    @Option(help: "Only events of this chat.") var chat: String?
    @Option(help: "Only events this user did or is named in.") var user: String?
    @Option(help: "First position (inclusive).") var from: Int64 = 1
    @Option(help: "Last position (inclusive).") var to: Int64 = .max
    @Option(help: "table or ndjson.") var format: Format = .table
    @OptionGroup var keys: KeyFileOption

    func validate() throws {
        guard from >= 1, to >= from else { throw ValidationError("need 1 <= --from <= --to") }
    }

    func run() async throws {
        let log: any AuditedLog = try await failingLegibly {
            if PostgresURL.isPostgres(db) { return try await PostgresAuditedLog(url: db, keys: keys) }
            return try SQLiteAuditedLog(path: db, keys: keys)
        }
        do {
            try await printHistory(of: log)
            await log.close()
        } catch {
            await log.close()
            throw error
        }
    }

    private func printHistory(of log: any AuditedLog) async throws {
        let keyring = log.keyring
        let (names, erased) = usernames(from: try await log.namingEvents(), keyring: keyring)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let stream = chat.map { StreamName.chat(ChatID($0)) }
        var position = from - 1
        var printed = 0
        if format == .table {
            print("POSITION  RECORDED AT               ACTOR                 EVENT")
        }
        while position < to {
            let events = try await log.read(after: position, limit: 5_000)
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
    private func usernames(from events: [RecordedEvent], keyring: Keyring?) -> ([UserID: String], Set<UserID>) {
        var names = [UserID: String]()
        var erased = Set<UserID>()
        for event in events {
            switch try? ChatEvent(
                type: event.type, schemaVersion: event.schemaVersion, data: event.data, opener: keyring)
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
