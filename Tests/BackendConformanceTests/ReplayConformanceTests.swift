import BackendTestSupport
import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import Testing

/// `replay` rebuilds, verifies, audits and erases the same way on every backend: the same
/// recorded log imported into SQLite and into PostgreSQL, then each command run as an
/// operator would, its output compared between the two.
@Suite(.timeLimit(.minutes(2))) struct ReplayConformanceTests {
    static let fixture = "edits-and-erasure"
    static let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    /// One backend's database and key file, and `replay` run on them.
    struct Database {
        var backend: TestBackend
        var location: String
        var keyFile: String

        func replay(_ command: String, _ arguments: String...) async throws -> ToolRun {
            try await ToolRun.complete("replay", [command, "--db", location, "--key-file", keyFile] + arguments)
        }

        /// Changes one message's text behind the projection's back.
        func tamper() throws {
            let statement =
                "UPDATE messages SET content = 'tampered' WHERE position = (SELECT min(position) FROM messages)"
            switch backend {
            case .sqlite:
                let connection = try EventLogFile.openExisting(path: location)
                try connection.execute(statement)
            case .postgres:
                #expect(try TestPostgres.psql(location, statement).status == 0)
            }
        }
    }

    func database(_ backend: TestBackend) async throws -> Database {
        let sub = directory.path(backend.rawValue)
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let location = backend == .sqlite ? sub + "/chat.db" : try TestPostgres.freshDatabase()
        let database = Database(backend: backend, location: location, keyFile: sub + "/chat.key")
        let log = Self.fixtureDirectory.appendingPathComponent("\(Self.fixture).ndjson").path
        let keys = Self.fixtureDirectory.appendingPathComponent("\(Self.fixture).keys.ndjson").path
        let imported = try await database.replay("import", "--in", log, "--keys-in", keys)
        #expect(imported.status == 0, "\(imported.stderr)")
        return database
    }

    @Test func rebuildVerifyHistoryAndEraseUserAnswerTheSameOnEveryBackend() async throws {
        var outputs = [TestBackend: [String]]()
        for backend in TestBackend.allCases {
            let db = try await database(backend)
            var seen = [String]()
            func expectSuccess(_ run: ToolRun, _ step: String) {
                #expect(run.status == 0, "\(backend) \(step): \(run.stderr)")
            }

            let verified = try await db.replay("verify")
            expectSuccess(verified, "verify")
            seen.append(verified.stdout)
            let history = try await db.replay("history", "--format", "ndjson")
            expectSuccess(history, "history")
            seen.append(history.stdout)

            try db.tamper()
            let differs = try await db.replay("verify")
            #expect(differs.status == 1, "\(backend): a tampered read model fails verification")
            #expect(differs.stderr.contains("projections differ from a rebuild in: messages"), "\(differs.stderr)")
            let rebuilt = try await db.replay("rebuild")
            expectSuccess(rebuilt, "rebuild")
            seen.append(
                rebuilt.stdout.replacingOccurrences(of: #" in [0-9.]+ s"#, with: "", options: .regularExpression))
            seen.append(try await db.replay("verify").stdout)

            let erased = try await db.replay("erase-user", "--username", "bob", "--reason", "conformance")
            expectSuccess(erased, "erase-user")
            // What erasing said, up to the user id (the same on both: it is in the fixture).
            seen.append(erased.stdout.split(separator: "\n").first.map(String.init) ?? "")
            let bob = try #require(
                erased.stdout.firstMatch(of: /erased (\w+) at position/).map { String($0.1) }, "\(erased.stdout)")
            let again = try await db.replay("erase-user", "--user", bob)
            expectSuccess(again, "erase-user again")
            seen.append(again.stdout.split(separator: "\n").first.map(String.init) ?? "")
            seen.append(try await db.replay("verify").stdout)
            let bobsHistory = try await db.replay("history", "--user", bob, "--format", "ndjson")
            expectSuccess(bobsHistory, "history of the erased user")
            #expect(!bobsHistory.stdout.contains("Great choice"), "\(backend): the erased user's text is gone")
            #expect(bobsHistory.stdout.contains(ErasedUser.placeholderName(for: UserID(bob))))
            // The erasure was recorded now, a moment apart on each backend.
            seen.append(
                bobsHistory.stdout.replacingOccurrences(
                    of: #"("framing":"replay","position":19,"recorded_at":)"[^"]*""#, with: "$1\"now\"",
                    options: .regularExpression))
            outputs[backend] = seen
        }
        let sqlite = try #require(outputs[.sqlite])
        let postgres = try #require(outputs[.postgres])
        #expect(sqlite[0] == "ok: 18 events, hash chain intact, projections match a rebuild\n")
        #expect(sqlite.last?.isEmpty == false)
        for (sqliteOutput, postgresOutput) in zip(sqlite, postgres) {
            #expect(sqliteOutput == postgresOutput)
        }
        #expect(sqlite.count == postgres.count)
    }
}
