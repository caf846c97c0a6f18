import ChatTestSupport
import EventStore
import Foundation
import Testing

/// Runs the real `replay` executable, as an operator would.
@Suite struct ReplayToolTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    func replay(_ arguments: String...) throws -> ToolRun { try ToolRun.run("replay", arguments) }

    @Test func importVerifyRebuildStatsAndExportOnARealDatabase() throws {
        let db = directory.path("chat.db")
        let imported = try replay("import", "--db", db, "--in", Fixtures.log("direct-chat-with-receipts"))
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 12 events"))

        let verified = try replay("verify", "--db", db)
        #expect(verified.status == 0)
        #expect(verified.stdout.contains("12 events"))

        let rebuilt = try replay("rebuild", "--db", db)
        #expect(rebuilt.status == 0)
        #expect(rebuilt.stderr.contains("events/s"))
        // stderr is a pipe here: whole lines, no terminal redraws.
        #expect(!rebuilt.stderr.contains("\r"))
        #expect(rebuilt.stderr.hasSuffix("\n"))
        #expect(rebuilt.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("rebuild [") }, "\(rebuilt.stderr)")
        #expect(try replay("verify", "--db", db).status == 0)

        let stats = try replay("stats", "--db", db)
        #expect(stats.status == 0)
        #expect(stats.stdout.contains("head position: 12"))
        #expect(stats.stdout.contains("message_sent"))

        let exported = directory.path("out.ndjson")
        #expect(try replay("export", "--db", db, "--out", exported).status == 0)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: exported))
                == Data(contentsOf: URL(fileURLWithPath: Fixtures.log("direct-chat-with-receipts"))))
    }

    @Test func historyIsTheAuditTrailInLogOrderAndFilters() throws {
        let db = directory.path("chat.db")
        #expect(try replay("import", "--db", db, "--in", Fixtures.log("group-membership")).status == 0)

        let all = try replay("history", "--db", db, "--format", "ndjson")
        #expect(all.status == 0)
        let entries = try all.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(entries.compactMap { $0["position"] as? Int } == Array(1...15))
        #expect((entries[9]["summary"] as? String)?.contains("bob") == true)
        #expect((entries[9]["summary"] as? String)?.contains("left") == true)

        let bobID = try #require((entries[1]["users"] as? [String])?.first)
        let bobs = try replay("history", "--db", db, "--user", bobID, "--format", "ndjson")
        let bobPositions = bobs.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["position"] as? Int
        }
        #expect(bobPositions == [2, 5, 9, 10, 14])

        let window = try replay("history", "--db", db, "--from", "3", "--to", "4")
        #expect(window.status == 0)
        #expect(window.stdout.split(separator: "\n").count == 3)  // header and two events
        #expect(window.stdout.contains("registered user carol"))
    }

    @Test func verifyExitsOneNamingTheTamperedPosition() throws {
        let db = directory.path("chat.db")
        #expect(try replay("import", "--db", db, "--in", Fixtures.log("direct-chat-with-receipts")).status == 0)
        let connection = try SQLiteConnection(path: db)
        try connection.execute("DROP TRIGGER events_are_never_updated")
        try connection.execute("UPDATE events SET data = replace(data, 'Hi Bob!', 'Hi Rob!') WHERE position = 5")
        let run = try replay("verify", "--db", db)
        #expect(run.status == 1)
        #expect(run.stderr.contains("position 5"))
    }

    @Test func badInputGetsAClearMessageAndANonZeroExit() throws {
        let missing = directory.path("missing.db")
        let run = try replay("verify", "--db", missing)
        #expect(run.status != 0)
        #expect(run.stderr.contains("no database"))
        #expect(!FileManager.default.fileExists(atPath: missing))

        let text = directory.path("notes.txt")
        try "not a database at all, just some text that is long enough".write(
            toFile: text, atomically: true, encoding: .utf8)
        let notSQLite = try replay("stats", "--db", text)
        #expect(notSQLite.status != 0)
        #expect(notSQLite.stderr.contains("not a SQLite database"))

        let tampered = try replay("import", "--db", directory.path("t.db"), "--in", Fixtures.log("tampered"))
        #expect(tampered.status != 0)
        #expect(tampered.stderr.contains("position 5"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("t.db")))
    }
}
