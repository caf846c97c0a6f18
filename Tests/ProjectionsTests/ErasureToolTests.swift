import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import Projections
import Testing

/// `replay` and the recorded log with edits, deletions and an erasure (protocol §9–§10).
@Suite struct ErasureToolTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    func replay(_ arguments: String...) throws -> ToolRun { try ToolRun.run("replay", arguments) }

    func entries(_ run: ToolRun) throws -> [[String: Any]] {
        try run.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    func users(_ db: String) throws -> [String: String] {
        let dump = try ReadModelDump.dump(on: EventLogFile.openExisting(path: db, readOnly: true))
        var names = [String: String]()
        for row in dump["users"] ?? [] {
            if case .text(let id)? = row["user_id"], case .text(let name)? = row["username"] { names[id] = name }
        }
        return names
    }

    @Test func historyShowsEachEditAndDeletionAndTheErasureWithoutTheErasedUsersText() throws {
        let db = directory.path("chat.db")
        let imported = try replay(
            "import", "--db", db, "--in", Fixtures.log("edits-and-erasure"), "--keys-in",
            Fixtures.keys("edits-and-erasure"))
        #expect(imported.status == 0, "\(imported.stderr)")
        let history = try entries(try replay("history", "--db", db, "--format", "ndjson"))
        let summaries = history.compactMap { $0["summary"] as? String }
        let edits = summaries.filter { $0.contains(" edited ") }
        #expect(edits.count == 2)
        #expect(edits[0].hasPrefix("alice ("))
        #expect(edits[0].contains("“We read Dune next, part one”"))
        #expect(edits[1].contains("(erased)"), "the erased user's edit shows no text")
        let deletions = summaries.filter { $0.contains(" deleted ") }
        #expect(deletions.count == 2)
        #expect(deletions[0].hasPrefix("bob (") && deletions[1].hasPrefix("alice ("), "who deleted")
        #expect(deletions.allSatisfy { $0.contains(" at 2026-11-28T") }, "when")
        let erasure = try #require(history.first { $0["type"] as? String == "user_erased" })
        let carol = try #require((erasure["users"] as? [String])?.first)
        let placeholder = ErasedUser.placeholderName(for: UserID(carol))
        #expect((erasure["summary"] as? String)?.contains("Art. 17 request") == true)
        #expect(summaries.allSatisfy { !$0.contains("carol") && !$0.contains("Carol") })
        #expect(summaries.contains { $0.contains("registered user \(placeholder)") })
    }

    @Test func importWithoutTheKeysShowsEveryonesContentAsErased() throws {
        let db = directory.path("chat.db")
        #expect(try replay("import", "--db", db, "--in", Fixtures.log("edits-and-erasure")).status == 0)
        let names = try users(db)
        #expect(names.count == 3)
        #expect(names.allSatisfy { $0.value == ErasedUser.placeholderName(for: UserID($0.key)) })
        let messages =
            try ReadModelDump.dump(on: EventLogFile.openExisting(path: db, readOnly: true))["messages"] ?? []
        #expect(messages.allSatisfy { $0["content"] == .text("") && $0["erased"] == .integer(1) })
        #expect(try replay("verify", "--db", db).status == 0, "a rebuild shows the same placeholders")
    }

    @Test func erasingOnALogFromBeforeSealingHidesTheUserAndNamesThePlainTextEventsLeft() throws {
        let db = directory.path("chat.db")
        #expect(try replay("import", "--db", db, "--in", Fixtures.log("old-schema-message")).status == 0)
        let alice = try #require(try users(db).first { $0.value == "alice" }?.key)
        let erased = try replay("erase-user", "--db", db, "--user", alice, "--reason", "test")
        #expect(erased.status == 0, "\(erased.stderr)")
        // alice's registration (1) and both of her messages (v1 at 4, v2 at 6) are plain text.
        #expect(erased.stdout.contains("3 events from before version 1.1"), "\(erased.stdout)")
        #expect(erased.stdout.contains("positions 1, 4, 6"), "\(erased.stdout)")
        #expect(try users(db)[alice] == ErasedUser.placeholderName(for: UserID(alice)))
        let messages =
            try ReadModelDump.dump(on: EventLogFile.openExisting(path: db, readOnly: true))["messages"] ?? []
        let hers = messages.filter { $0["sender_id"] == .text(alice) }
        #expect(hers.count == 2 && hers.allSatisfy { $0["content"] == .text("") && $0["erased"] == .integer(1) })
        #expect(messages.contains { $0["content"] == .text("So was this") }, "bob's message stays")
        #expect(try replay("verify", "--db", db).status == 0)

        let twice = try replay("erase-user", "--db", db, "--user", alice)
        #expect(twice.status == 0)
        #expect(twice.stdout.contains("already erased"))
        #expect(try replay("erase-user", "--db", db, "--user", "u-nobody").status == 1)
    }

    @Test func anOperatorMayNameTheUserByTheirUsername() throws {
        let db = directory.path("chat.db")
        let imported = try replay(
            "import", "--db", db, "--in", Fixtures.log("edits-and-erasure"), "--keys-in",
            Fixtures.keys("edits-and-erasure"))
        #expect(imported.status == 0)
        let bob = try #require(try users(db).first { $0.value == "bob" }?.key)
        let erased = try replay("erase-user", "--db", db, "--username", "BOB")
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(erased.stdout.contains("erased \(bob)"))
        #expect(try users(db)[bob] == ErasedUser.placeholderName(for: UserID(bob)))
        #expect(try replay("erase-user", "--db", db, "--username", "bob").status == 1, "the name is no longer his")
        #expect(try replay("erase-user", "--db", db).status != 0, "--user or --username")
        #expect(try replay("verify", "--db", db).status == 0)
    }
}
