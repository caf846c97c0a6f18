import ArgumentParser
import Foundation
import Keyring
import PostgresBackend

/// `--key-file`, shared by every subcommand that reads or writes sealed text.
struct KeyFileOption: ParsableArguments {
    @Option(help: "The master key file (default: the database path + .key), as chat-gateway's --key-file.")
    var keyFile: String?

    /// The database's keyring; `nil` for a database that has never had keys (and no key file).
    func existing(for db: String) throws -> Keyring? {
        do {
            return try Keyring.existing(databasePath: db, keyFile: keyFile)
        } catch let error as KeyringError {
            throw ReplayFailure(error.description)
        }
    }

    /// The database's keyring, its key file created when the database has no keys yet.
    func open(for db: String) throws -> Keyring {
        do {
            return try Keyring.open(databasePath: db, keyFile: keyFile)
        } catch let error as KeyringError {
            throw ReplayFailure(error.description)
        }
    }

    /// The key file a PostgreSQL database needs: there is no database path to default from.
    func postgres() throws -> String {
        guard let keyFile else { throw ReplayFailure(PostgresBackendError.keyFileRequired.description) }
        return keyFile
    }
}
