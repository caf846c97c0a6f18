import BackendTestSupport
import ChatTestSupport
import EventStore
import Testing

/// The stored log refuses to be rewritten, on PostgreSQL as on SQLite (whose trigger
/// `SQLiteEventLogTests.theTableRefusesUpdatesAndDeletes` checks).
@Suite struct AppendOnlyTests {
    @Test func postgresRefusesUpdatesAndDeletesOfEvents() async throws {
        let url = try TestPostgres.freshDatabase()
        let log = try await TestBackend.postgres.log(at: url)
        _ = try await log.append([event("a", "{}")], to: "s", expectedVersion: .any, metadata: .init())
        await log.close()
        for statement in ["UPDATE events SET type = 'b'", "DELETE FROM events"] {
            let refused = try TestPostgres.psql(url, statement)
            #expect(refused.status != 0)
            #expect(refused.output.contains("append-only"))
        }
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM events").output.contains("1"))
    }
}
