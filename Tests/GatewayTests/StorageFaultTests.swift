import ChatTestSupport
import EventStore
import Foundation
import Projections
import Testing

/// Storage that stops taking writes mid-stream: `unavailable` to the client, nothing
/// acknowledged lost, and service resumes when the fault clears. On the writer's connection,
/// `max_page_count` gives the SQLITE_FULL of a full disk and `query_only` the SQLITE_READONLY
/// of a database turned read-only.
@Suite(.timeLimit(.minutes(1))) struct StorageFaultTests {
    enum Fault: CaseIterable {
        case diskFull
        case readOnly
    }

    @Test(arguments: Fault.allCases)
    func aFaultIsUnavailableLosesNothingAcknowledgedAndRecovers(_ fault: Fault) async throws {
        let h = try await ChatServiceHarness.make()
        let alice = try await h.user("alice")
        let bob = try await h.user("bob")
        let chatID =
            try await h.send(#"{"type":"create_chat","user_id":"\#(bob.id)"}"#, on: alice.connection).field(
                "chat_id", as: String.self)
        let content = String(repeating: "y", count: 4_000)
        func send() async throws -> [String: Any] {
            try await h.send(
                #"{"type":"message","chat_id":"\#(chatID)","content":"\#(content)"}"#, on: alice.connection)
        }

        var acknowledged = [String]()
        switch fault {
        case .diskFull:
            let pages = try await h.log.withWriter { try $0.scalarInt64("PRAGMA page_count") ?? 0 }
            try await h.log.withWriter { try $0.execute("PRAGMA max_page_count = \(pages + 8)") }
        case .readOnly:
            acknowledged.append(try await send().field("message_id", as: String.self))
            try await h.log.withWriter { try $0.execute("PRAGMA query_only = 1") }
        }
        var refusal: [String: Any]?
        for _ in 0..<100 {
            let reply = try await send()
            guard reply.isOK else {
                refusal = reply
                break
            }
            acknowledged.append(try reply.field("message_id", as: String.self))
        }
        #expect(refusal?.code == "unavailable")
        let message = (refusal?["message"] as? String ?? "").lowercased()
        #expect(
            !message.contains("sql") && !message.contains("full") && !message.contains("only"),
            "no internals leak: \(message)")
        #expect(!acknowledged.isEmpty)
        #expect(try await send().code == "unavailable", "the fault persists")

        switch fault {
        case .diskFull: try await h.log.withWriter { try $0.execute("PRAGMA max_page_count = 1073741823") }
        case .readOnly: try await h.log.withWriter { try $0.execute("PRAGMA query_only = 0") }
        }
        let after = try await send()
        #expect(after.isOK)
        acknowledged.append(try after.field("message_id", as: String.self))

        let page = try await h.send(#"{"type":"get_messages","chat_id":"\#(chatID)","limit":200}"#, on: bob.connection)
        let stored = (page["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(stored == acknowledged, "every acknowledged message, and only those")
        let head = try await h.log.headPosition()
        #expect(try ProjectionVerifier.verify(path: h.directory.path("chat.db")) == .verified(events: head))
    }

    /// A database the server may not write, at start: it refuses to start, saying why,
    /// instead of serving reads and failing every write.
    @Test func aReadOnlyDatabaseAtStartIsRefusedWithItsReason() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("chat.db")
        let log = try await SQLiteEventLog.open(path: database)
        _ = try await log.append(
            [NewEvent(type: "e", schemaVersion: 1, data: Array("{}".utf8))], to: "s", expectedVersion: .any,
            metadata: .init())
        await log.close()
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: database)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.url.path)

        let process = Process()
        let gateway = GatewayProcess.executable.path
        let arguments = ["--db", database, "--port", "0", "--log-level", "warning"]
        if getuid() == 0 {
            // Root writes any file whatever its mode: run as an unprivileged user instead.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", gateway] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: gateway)
            process.arguments = arguments
        }
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(output.contains("read-only"), "says why: \(output)")
        #expect(output.contains(database), "names the file: \(output)")
    }

    @Test func aMissingPostgresDatabaseAtStartIsRefusedWithTheServersReason() async throws {
        let url = try TestPostgres.freshDatabase()
        let missing = String(url[..<url.lastIndex(of: "/")!]) + "/chat_no_such_database"
        let directory = try TemporaryDirectory()
        do {
            _ = try await GatewayProcess.start(
                database: missing, arguments: ["--key-file", directory.path("master.key")])
            Issue.record("the gateway started on a database that does not exist")
        } catch let exited as GatewayProcess.Exited {
            #expect(exited.output.contains("3D000"), "names the SQLSTATE: \(exited.output)")
            #expect(exited.output.contains("chat_no_such_database"), "the server's message: \(exited.output)")
        }
    }
}
