import ChatDomain
import EventStore
import Foundation
import Projections

/// `get_messages` latency on a large database: the newest page and a page deep in history.
struct QueryBenchmark {
    let path: String
    let chat: SyntheticChat
    let samples: Int

    func run() throws {
        let db = try EventLogFile.openExisting(path: path, readOnly: true)
        let messages = try db.scalarInt64("SELECT count(*) FROM messages") ?? 0
        print("## get_messages with \(messages) messages in \(chat.chatCount) chats, \(samples) samples each")
        var generator = SystemRandomNumberGenerator()
        var newest = [Double]()
        var deep = [Double]()
        for _ in 0..<samples {
            let chatID = chat.chats[Int.random(in: 0..<chat.chatCount, using: &generator)]
            var page: MessagePage?
            newest.append(
                try measure { page = try ReadModelQueries.messages(in: chatID, before: nil, limit: 50, on: db) })
            precondition(page?.messages.count == 50)
            // A message a tenth of the way into the chat's history.
            let deepStatement = try db.cachedStatement(
                "SELECT message_id FROM messages WHERE chat_id = ? ORDER BY position LIMIT 1 OFFSET ?")
            deepStatement.bind(1, chatID.rawValue)
            deepStatement.bind(2, Int(messages) / chat.chatCount / 10)
            _ = try deepStatement.step()
            let before = MessageID(deepStatement.string(0))
            deepStatement.reset()
            deep.append(
                try measure { page = try ReadModelQueries.messages(in: chatID, before: before, limit: 50, on: db) })
            precondition(page?.messages.isEmpty == false)
        }
        print("| page | p50 ms | p90 ms | p99 ms |")
        print("|---|---:|---:|---:|")
        for (name, values) in [("newest 50", newest), ("50 before a message 10 % into the chat", deep)] {
            print(
                "| \(name) | \(format(Statistics.percentile(values, 50) * 1000, 3)) | \(format(Statistics.percentile(values, 90) * 1000, 3)) | \(format(Statistics.percentile(values, 99) * 1000, 3)) |"
            )
        }
    }
}
