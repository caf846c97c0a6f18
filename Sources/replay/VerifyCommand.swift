import ArgumentParser
import EventStore
import Projections

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the hash chain and that the projections equal a fresh rebuild.",
        discussion: "Exit 0 when both hold; exit 1 naming the first bad position or the differing tables.")

    @Option(help: "The chat database.") var db: String
    @OptionGroup var keys: KeyFileOption

    func run() throws {
        let outcome: ProjectionVerifier.Outcome
        do {
            outcome = try ProjectionVerifier.verify(path: db, keyring: try keys.existing(for: db))
        } catch let error as EventStoreError {
            throw ReplayFailure(error.description)
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
