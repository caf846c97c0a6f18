import ArgumentParser
import EventStore
import PostgresBackend
import Projections

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the hash chain and that the projections equal a fresh rebuild.",
        discussion: "Exit 0 when both hold; exit 1 naming the first bad position or the differing tables.")

    @Option(help: "The chat database: a SQLite file or a postgres:// URL.") var db: String
    @OptionGroup var keys: KeyFileOption

    func run() async throws {
        let outcome = try await failingLegibly {
            if PostgresURL.isPostgres(db) {
                return try await PostgresProjectionVerifier.verify(url: PostgresURL(db), keyFile: keys.postgres())
            }
            return try ProjectionVerifier.verify(path: db, keyring: try keys.existing(for: db))
        }
        switch outcome {
        case .verified(let events):
            print("ok: \(events) events, hash chain intact, projections match a rebuild")
        case .brokenChain(let problem):
            throw ReplayFailure("hash chain broken at position \(problem.position): \(problem)")
        case .projectionsDiffer(let tables):
            throw ReplayFailure("projections differ from a rebuild in: \(tables.joined(separator: ", "))")
        }
    }
}
