import ChatDomain
import ChatTestSupport
import EventStore
import Projections
import Testing

/// A database made before version 1.1 gains the read model's new columns when it opens.
@Suite struct ReadModelMigrationTests {
    @Test func aReadModelWithoutTheNewColumnsGainsThemAndStillVerifies() async throws {
        let directory = try TemporaryDirectory()
        let path = try Fixtures.importFixture("group-membership", into: directory)
        let old = try EventLogFile.openExisting(path: path)
        for added in ReadModelTables.addedColumns.reversed() {
            try old.execute("ALTER TABLE \(added.table) DROP COLUMN \(added.column)")
        }
        #expect(try old.scalarInt64("SELECT count(*) FROM pragma_table_info('messages') WHERE name = 'deleted'") == 0)

        let log = try await SQLiteEventLog.open(path: path, projection: ChatProjection())
        await log.close()
        let reopened = try EventLogFile.openExisting(path: path, readOnly: true)
        for added in ReadModelTables.addedColumns {
            #expect(
                try reopened.scalarInt64(
                    "SELECT count(*) FROM pragma_table_info('\(added.table)') WHERE name = '\(added.column)'") == 1)
        }
        #expect(try ProjectionVerifier.verify(path: path) == .verified(events: 15))
    }
}
