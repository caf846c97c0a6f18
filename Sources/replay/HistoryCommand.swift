import ArgumentParser
import ChatDomain
import EventStore
import Foundation
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

    func validate() throws {
        guard from >= 1, to >= from else { throw ValidationError("need 1 <= --from <= --to") }
    }

    func run() throws {
        let connection = try openDatabase(db)
        let names = try usernames(on: connection)
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
                let entry = AuditEntry(recorded) { names[$0] }
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

    /// User id → username from the log itself, so history works even without projections.
    private func usernames(on connection: SQLiteConnection) throws -> [UserID: String] {
        let statement = try connection.prepare("SELECT data FROM events WHERE type = 'user_registered'")
        var names = [UserID: String]()
        while try statement.step() {
            if case .userRegistered(let registered)? = try? ChatEvent(
                type: "user_registered", schemaVersion: 1, data: statement.bytes(0))
            {
                names[registered.userID] = registered.username
            }
        }
        return names
    }
}
