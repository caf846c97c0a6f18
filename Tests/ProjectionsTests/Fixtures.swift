import ChatTestSupport
import EventStore
import Foundation
import Projections

/// The recorded event logs under `Tests/Fixtures`, and how they were made.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Logs that must import, verify and project to their `.expected.json`.
    static let valid = ["direct-chat-with-receipts", "group-membership", "old-schema-message", "edits-and-erasure"]

    static func log(_ name: String) -> String { directory.appendingPathComponent("\(name).ndjson").path }
    static func expected(_ name: String) -> String { directory.appendingPathComponent("\(name).expected.json").path }
    /// The keys of a fixture's users who were not erased, as `replay export --keys-out` writes them.
    static func keys(_ name: String) -> String { directory.appendingPathComponent("\(name).keys.ndjson").path }
    static func hasKeys(_ name: String) -> Bool { FileManager.default.fileExists(atPath: keys(name)) }

    /// The tampered log changes the content of the direct chat's first message, at this position.
    static let tamperedPosition: Int64 = 5

    static func importFixture(_ name: String, into directory: TemporaryDirectory) throws -> String {
        let path = directory.path("\(name).db")
        _ = try ChatLogImporter.importLog(from: log(name), to: path, keysIn: hasKeys(name) ? keys(name) : nil)
        return path
    }

    static func dumpJSON(_ path: String) throws -> String {
        try ReadModelDump.json(ReadModelDump.dump(on: EventLogFile.openExisting(path: path, readOnly: true)))
    }

    /// Writes each `.expected.json` anew from its recorded log, for when the read model gains
    /// columns: the logs stay as they are.
    ///
    /// Run with `RECORD_EXPECTED=1 swift test --filter recordExpectedReadModels`, then review the diff.
    static func recordExpectedReadModels() throws {
        let scratch = try TemporaryDirectory()
        for name in valid {
            try dumpJSON(try importFixture(name, into: scratch)).write(
                toFile: expected(name), atomically: true, encoding: .utf8)
        }
    }

    /// Plays the named scenarios through the real decisions and writes their fixtures anew.
    ///
    /// Run with `RECORD_FIXTURES=name,… swift test --filter recordFixtures`, then review the
    /// diff: ids are random, so every recording differs from the last.
    static func record(_ names: [String]) async throws {
        let scratch = try TemporaryDirectory()
        for name in valid where names.contains(name) {
            let path = scratch.path("\(name).db")
            let scenario = try await ChatScenario.open(path: path)
            switch name {
            case "direct-chat-with-receipts": try await directChatWithReceipts(scenario)
            case "group-membership": try await groupMembership(scenario)
            case "edits-and-erasure": try await editsAndErasure(scenario)
            default: try await oldSchemaMessage(scenario)
            }
            await scenario.close()
            let connection = try EventLogFile.openExisting(path: path)
            if name == "edits-and-erasure" {
                try Data(try scenario.keyring.exportKeys(from: connection)).write(to: URL(fileURLWithPath: keys(name)))
            }
            _ = FileManager.default.createFile(atPath: log(name), contents: nil)
            let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log(name)))
            _ = try EventLogExchange.export(from: connection, to: output)
            try output.close()
            try dumpJSON(path).write(toFile: expected(name), atomically: true, encoding: .utf8)
        }
        guard names.contains("direct-chat-with-receipts") else { return }
        // The tampered log: one message's text edited after the fact, its hash left alone.
        var lines = try String(contentsOfFile: log("direct-chat-with-receipts"), encoding: .utf8).split(separator: "\n")
        let index = Int(tamperedPosition) - 1
        precondition(lines[index].contains("\"content\":\"Hi Bob!\""), "scenario changed: update tamperedPosition")
        lines[index] = Substring(lines[index].replacingOccurrences(of: "Hi Bob!", with: "Hi Rob!"))
        try (lines.joined(separator: "\n") + "\n").write(toFile: log("tampered"), atomically: true, encoding: .utf8)
    }

    /// Alice and Bob talk; receipts by `mark_read` and by reading the chat; Bob logs out.
    static func directChatWithReceipts(_ s: ChatScenario) async throws {
        let alice = try await s.register("alice")
        let bob = try await s.register("Bob")
        try await s.login("alice")
        let chat = try await s.createDirectChat(alice, with: bob)
        try await s.send(alice, to: chat, "Hi Bob!", clientMessageID: "c-1")
        let second = try await s.send(alice, to: chat, "Lunch at noon?")
        try await s.send(alice, to: chat, "Lunch at noon?", clientMessageID: "c-1")  // a retry: no new event
        let bobsToken = try await s.login("bob")
        try await s.markRead(bob, in: chat, upTo: second)
        try await s.send(bob, to: chat, "Sure, see you there")
        try await s.send(alice, to: chat, "Great")
        try await s.readMessages(bob, in: chat)
        try await s.logout(bobsToken)
    }

    /// A group with joins, a leave, a removal and a re-join.
    static func groupMembership(_ s: ChatScenario) async throws {
        let alice = try await s.register("alice")
        let bob = try await s.register("bob")
        let carol = try await s.register("carol")
        let dave = try await s.register("dave")
        let group = try await s.createGroup(alice, name: "Weekend trip", members: [bob])
        try await s.send(alice, to: group, "Who's in?")
        try await s.addMember(alice, to: group, carol)
        try await s.send(carol, to: group, "Me!")
        try await s.readMessages(bob, in: group)
        try await s.removeMember(bob, from: group, bob)
        try await s.removeMember(alice, from: group, carol)
        try await s.addMember(alice, to: group, dave)
        try await s.send(dave, to: group, "Thanks for the invite")
        try await s.addMember(alice, to: group, bob)
        try await s.readMessages(dave, in: group)
    }

    /// Edits (one a no-op), deletions by the sender and by an admin, then Carol is erased.
    static func editsAndErasure(_ s: ChatScenario) async throws {
        let alice = try await s.register("alice")
        let bob = try await s.register("bob")
        let carol = try await s.register("carol")
        try await s.login("carol")
        let group = try await s.createGroup(alice, name: "Book club", members: [bob, carol])
        let plan = try await s.send(alice, to: group, "We read Dune next")
        try await s.edit(alice, in: group, plan, to: "We read Dune next, part one")
        try await s.edit(alice, in: group, plan, to: "We read Dune next, part one")  // no-op: no event
        let typo = try await s.send(bob, to: group, "Grat choice")
        try await s.delete(bob, in: group, typo)
        try await s.send(bob, to: group, "Great choice")
        let carols = try await s.send(carol, to: group, "Carol's thoughts on Arrakis")
        try await s.edit(carol, in: group, carols, to: "Carol's second thoughts on Arrakis")
        let spam = try await s.send(carol, to: group, "Carol's off-topic post")
        try await s.delete(alice, in: group, spam)
        try await s.readMessages(bob, in: group)
        try await s.erase(carol, reason: "Art. 17 request")
        let direct = try await s.createDirectChat(alice, with: bob)
        try await s.send(alice, to: direct, "See you Thursday")
    }

    /// Two messages in the retired schema version 1 before one in the current version.
    static func oldSchemaMessage(_ s: ChatScenario) async throws {
        let alice = try await s.register("alice")
        let bob = try await s.register("bob")
        let chat = try await s.createDirectChat(alice, with: bob)
        try await s.sendVersion1(alice, to: chat, "Written by an old server")
        try await s.sendVersion1(bob, to: chat, "So was this")
        try await s.send(alice, to: chat, "And this is new", clientMessageID: "n-1")
        try await s.readMessages(bob, in: chat)
    }
}
