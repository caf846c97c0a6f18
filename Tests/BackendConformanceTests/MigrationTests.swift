import BackendTestSupport
import ChatTestSupport
import Foundation
import PostgresBackend
import Projections
import Testing

/// Moving a SQLite database to PostgreSQL is `replay export` then `replay import`, keys
/// included: the same log, byte for byte, and the same answers to every query.
@Suite struct MigrationTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    @Test func exportFromSQLiteThenImportIntoPostgresKeepsTheLogAndEveryAnswer() async throws {
        let fixture = ReadModelConformanceTests.fixtureDirectory.appendingPathComponent("edits-and-erasure.ndjson").path
        let fixtureKeys = ReadModelConformanceTests.fixtureDirectory.appendingPathComponent(
            "edits-and-erasure.keys.ndjson"
        ).path
        let sqlitePath = directory.path("chat.db")
        _ = try ChatLogImporter.importLog(from: fixture, to: sqlitePath, keysIn: fixtureKeys)

        let exported = directory.path("export.ndjson")
        let exportedKeys = directory.path("keys.ndjson")
        let export = try await ToolRun.complete(
            "replay", ["export", "--db", sqlitePath, "--out", exported, "--keys-out", exportedKeys])
        #expect(export.status == 0, "\(export.stderr)")

        let url = try TestPostgres.freshDatabase()
        let pgKey = directory.path("pg.key")
        let imported = try await ToolRun.complete(
            "replay", ["import", "--db", url, "--in", exported, "--keys-in", exportedKeys, "--key-file", pgKey])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported"))

        // The log is the same, event for event (the hash chain included).
        let again = directory.path("again.ndjson")
        let reexport = try await ToolRun.complete("replay", ["export", "--db", url, "--out", again])
        #expect(reexport.status == 0, "\(reexport.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == Data(contentsOf: URL(fileURLWithPath: exported)))

        // And the read model answers the same, sealed text opened with the imported keys.
        let names = try FixtureNames(log: fixture)
        let sqlite = try await TestBackend.sqlite.storage(at: sqlitePath, keyFile: sqlitePath + ".key")
        let expected = try await Answers.ask(sqlite.readModel, about: names)
        await sqlite.close()
        let postgres = try await TestBackend.postgres.storage(at: url, keyFile: pgKey)
        let answers = try await Answers.ask(postgres.readModel, about: names)
        await postgres.close()
        #expect(answers.lines == expected.lines)

        // `stats` reads the same log on both.
        let sqliteStats = try await ToolRun.complete("replay", ["stats", "--db", sqlitePath])
        let postgresStats = try await ToolRun.complete("replay", ["stats", "--db", url])
        #expect(postgresStats.status == 0, "\(postgresStats.stderr)")
        #expect(
            sqliteStats.stdout.split(separator: "\n").filter { !$0.hasPrefix("database size") }
                == postgresStats.stdout.split(separator: "\n").filter { !$0.hasPrefix("database size") })

        // A second import into the same database is refused and changes nothing.
        let twice = try await ToolRun.complete(
            "replay", ["import", "--db", url, "--in", exported, "--key-file", pgKey])
        #expect(twice.status != 0)
        #expect(twice.stderr.contains("already holds events"))
    }
}
