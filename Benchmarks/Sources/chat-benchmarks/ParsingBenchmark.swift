import ChatDomain
import EventStore
import Foundation
import Gateway
import Keyring

/// The JSON reads on the hot paths: a client's `message` command, a stored `message_sent`
/// event decoded for the projection, and an exchange line read by `replay import`.
struct ParsingBenchmark {
    let runs: Int
    let iterations: Int

    func run() throws {
        let command = Array(
            #"{"type":"message","chat_id":"c01JDQ8Z0000000000000000","content":"Hello there, this is a message of about a hundred bytes, as chat-bench sends.","client_message_id":"c-12345","request_id":42}"#
                .utf8)
        let message = MessageSent(
            messageID: MessageID("m01JDQ8Z0000000000000001"), chatID: ChatID("c01JDQ8Z0000000000000000"),
            senderID: UserID("u01JDQ8Z0000000000000002"),
            content: "Hello there, this is a message of about a hundred bytes, as chat-bench sends.",
            clientMessageID: "c-12345", sentAt: Timestamp(millisecondsSinceEpoch: 1_795_856_400_000))
        let event = try ChatEvent.messageSent(message).encoded(sealer: PlainSealer())
        let line = try EventLine.encode(
            RecordedEvent(
                position: 7, streamID: "chat-c01JDQ8Z0000000000000000", streamVersion: 3, type: event.type,
                schemaVersion: event.schemaVersion, data: event.data,
                metadata: Array(#"{"actor":"u01JDQ8Z0000000000000002","request_id":"42"}"#.utf8),
                recordedAt: 1_795_856_400_000, hash: Array(repeating: 0xAB, count: 32)))

        print("## Parsing (median of \(runs) runs of \(iterations) each)\n")
        print("| what | ns each |")
        print("|---|---:|")
        report("parse a `message` command (\(command.count) B)") {
            var parsed = 0
            for _ in 0..<iterations where (try? CommandParser.parse(command).command.get()) != nil { parsed += 1 }
            precondition(parsed == iterations)
        }
        report("decode a stored `message_sent` (\(event.data.count) B)") {
            for _ in 0..<iterations {
                _ = try! ChatEvent(
                    type: event.type, schemaVersion: event.schemaVersion, data: event.data, opener: PlainSealer())
            }
        }
        report("read an exchange line (\(line.count) B)") {
            for _ in 0..<iterations { _ = try! EventLine.decode(line) }
        }
        let keyring = try scratchKeyring(for: UserID("u01JDQ8Z0000000000000002"))
        let sealedEvent = try ChatEvent.messageSent(message).encoded(sealer: keyring)
        report("decode a sealed `message_sent` and open it (\(sealedEvent.data.count) B)") {
            for _ in 0..<iterations {
                _ = try! ChatEvent(
                    type: sealedEvent.type, schemaVersion: sealedEvent.schemaVersion, data: sealedEvent.data,
                    opener: keyring)
            }
        }
        report("encode a `message_sent`, its text stored as is") {
            for _ in 0..<iterations { _ = try! ChatEvent.messageSent(message).encoded(sealer: PlainSealer()) }
        }
        report("seal and encode a `message_sent`") {
            for _ in 0..<iterations { _ = try! ChatEvent.messageSent(message).encoded(sealer: keyring) }
        }
        print()
    }

    /// A keyring on a scratch database holding one user's key.
    private func scratchKeyring(for user: UserID) throws -> Keyring {
        let path = NSTemporaryDirectory() + "/parsing-keyring-\(getpid()).db"
        for suffix in ["", ".key", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let connection = try EventLogFile.create(path: path)
        let keyring = try Keyring.open(databasePath: path)
        try keyring.createKey(for: user, on: connection)
        return keyring
    }

    private func report(_ name: String, _ body: () -> Void) {
        let seconds = (0..<runs).map { _ in measure(body) }
        print("| \(name) | \(format(Statistics.median(seconds) / Double(iterations) * 1e9)) |")
    }
}
