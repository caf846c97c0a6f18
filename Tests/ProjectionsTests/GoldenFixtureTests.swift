import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import Projections
import Testing

@Suite struct GoldenFixtureTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    @Test(arguments: Fixtures.valid)
    func importingAFixtureYieldsTheExpectedReadModel(_ name: String) throws {
        let path = try Fixtures.importFixture(name, into: directory)
        let expected = try String(contentsOfFile: Fixtures.expected(name), encoding: .utf8)
        #expect(try Fixtures.dumpJSON(path) == expected)
        #expect(try ProjectionVerifier.verify(path: path) == .verified(events: try lineCount(Fixtures.log(name))))
    }

    @Test(arguments: Fixtures.valid)
    func rebuildingTwiceGivesIdenticalProjections(_ name: String) throws {
        let path = try Fixtures.importFixture(name, into: directory)
        let imported = try Fixtures.dumpJSON(path)
        _ = try ProjectionRebuilder.rebuild(path: path)
        let first = try Fixtures.dumpJSON(path)
        _ = try ProjectionRebuilder.rebuild(path: path)
        #expect(first == imported)
        #expect(try Fixtures.dumpJSON(path) == first)
        #expect(try ProjectionVerifier.verify(path: path) == .verified(events: try lineCount(Fixtures.log(name))))
    }

    @Test(arguments: Fixtures.valid)
    func exportReproducesTheImportedFileByteForByte(_ name: String) throws {
        let path = try Fixtures.importFixture(name, into: directory)
        let out = directory.path("\(name).out.ndjson")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        _ = try EventLogExchange.export(from: EventLogFile.openExisting(path: path, readOnly: true), to: handle)
        try handle.close()
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: out))
                == Data(contentsOf: URL(fileURLWithPath: Fixtures.log(name))))
    }

    @Test func theOldSchemaMessagesAreUpcastIntoTheReadModel() throws {
        let path = try Fixtures.importFixture("old-schema-message", into: directory)
        let db = try EventLogFile.openExisting(path: path, readOnly: true)
        let chatID = try #require(try ReadModelDump.dump(on: db)["chats"]?.first?["chat_id"])
        guard case .text(let id) = chatID else {
            Issue.record("no chat id")
            return
        }
        let page = try ReadModelQueries.messages(in: ChatID(id), before: nil, limit: 10, on: db)
        #expect(page.messages.map(\.content) == ["Written by an old server", "So was this", "And this is new"])
    }

    @Test func importingTheTamperedLogFailsAtTheTamperedEventAndWritesNothing() throws {
        let path = directory.path("tampered.db")
        #expect {
            _ = try ChatLogImporter.importLog(from: Fixtures.log("tampered"), to: path)
        } throws: { error in
            guard case EventLogExchange.ImportError.brokenChain(_, let problem) = error else { return false }
            return problem == .hashMismatch(position: Fixtures.tamperedPosition)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
    }

    @Test func verifyNamesAnEventTamperedInTheDatabase() throws {
        let path = try Fixtures.importFixture("direct-chat-with-receipts", into: directory)
        let db = try SQLiteConnection(path: path)
        // Only someone bypassing the log's API and dropping its guard can do this.
        try db.execute("DROP TRIGGER events_are_never_updated")
        try db.execute(
            "UPDATE events SET data = replace(data, 'Hi Bob!', 'Hi Rob!') WHERE position = \(Fixtures.tamperedPosition)"
        )
        #expect(
            try ProjectionVerifier.verify(path: path)
                == .brokenChain(.hashMismatch(position: Fixtures.tamperedPosition)))
    }

    @Test func verifyNamesAProjectionTableThatDriftedFromTheLog() throws {
        let path = try Fixtures.importFixture("group-membership", into: directory)
        try SQLiteConnection(path: path).execute("UPDATE members SET role = 'admin'")
        #expect(try ProjectionVerifier.verify(path: path) == .projectionsDiffer(tables: ["members"]))
        _ = try ProjectionRebuilder.rebuild(path: path)
        #expect(try ProjectionVerifier.verify(path: path) == .verified(events: 15))
    }

    @Test func anInterruptedRebuildLeavesTheOldProjectionsAndTheNextOneSucceeds() throws {
        struct Interrupted: Error {}
        let path = try Fixtures.importFixture("group-membership", into: directory)
        let before = try Fixtures.dumpJSON(path)
        #expect(throws: Interrupted.self) {
            _ = try ProjectionRebuilder.rebuild(path: path, batchSize: 4) { _ in throw Interrupted() }
        }
        let db = try SQLiteConnection(path: path)
        #expect(
            try db.scalarInt64("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'rebuild_%'") ?? 0
                > 0)
        #expect(try Fixtures.dumpJSON(path) == before)
        _ = try ProjectionRebuilder.rebuild(path: path, batchSize: 4)
        #expect(
            try db.scalarInt64("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'rebuild_%'") == 0
        )
        #expect(try Fixtures.dumpJSON(path) == before)
    }

    @Test func importRefusesToOverwriteAndReportsBadLines() throws {
        let existing = try Fixtures.importFixture("group-membership", into: directory)
        #expect(throws: EventLogExchange.ImportError.self) {
            _ = try ChatLogImporter.importLog(from: Fixtures.log("group-membership"), to: existing)
        }
        let corrupt = directory.path("corrupt.ndjson")
        let lines = try String(contentsOfFile: Fixtures.log("group-membership"), encoding: .utf8).split(separator: "\n")
        try (lines[0] + "\n" + "{\"position\": 2, not json\n").write(toFile: corrupt, atomically: true, encoding: .utf8)
        let target = directory.path("from-corrupt.db")
        #expect {
            _ = try ChatLogImporter.importLog(from: corrupt, to: target)
        } throws: { error in
            guard case EventLogExchange.ImportError.malformedLine(let number, _) = error else { return false }
            return number == 2
        }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    private func lineCount(_ path: String) throws -> Int64 {
        Int64(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count)
    }
}
