public import ChatDomain
import Crypto
public import EventStore
import Foundation

/// The keyring of a SQLite database, whose keys are in its `user_keys` table.
extension Keyring {
    /// The keyring of the database at `path`, with its master key from `keyFile` (by default
    /// beside the database), created when the database has no keys yet.
    ///
    /// - Throws: ``KeyringError`` when the database has keys and the key file is missing or
    ///   does not unwrap them.
    public static func open(databasePath path: String, keyFile: String? = nil) throws -> Keyring {
        let store = SQLiteUserKeyStore(databasePath: path)
        return try open(
            keyPath: keyFile ?? MasterKey.defaultPath(forDatabase: path), store: store, someKey: try store.anyKey())
    }

    /// The keyring of the database at `path` if its key file exists; `nil` when neither the
    /// file nor any key does, for tools that must not create one.
    ///
    /// - Throws: ``KeyringError/masterKeyMissing(path:)`` when the database has keys but the
    ///   file is missing: reading on would show everyone's text as erased.
    public static func existing(databasePath path: String, keyFile: String? = nil) throws -> Keyring? {
        let keyPath = keyFile ?? MasterKey.defaultPath(forDatabase: path)
        if !FileManager.default.fileExists(atPath: keyPath), FileManager.default.fileExists(atPath: path) {
            guard try SQLiteUserKeyStore(databasePath: path).anyKey() == nil else {
                throw KeyringError.masterKeyMissing(path: keyPath)
            }
            return nil
        }
        return try open(databasePath: path, keyFile: keyPath)
    }

    /// Creates `user`'s key and stores it wrapped, on `db` (in the caller's transaction, if any).
    public func createKey(for user: UserID, on db: SQLiteConnection) throws {
        try UserKeyTable.create(on: db)
        try UserKeyTable.insert(user, wrapped: wrap(SymmetricKey(size: .bits256), for: user), on: db)
        // ON CONFLICT DO NOTHING: a key already there wins; read back what is stored.
        try remember(try UserKeyTable.wrapped(user, on: db), for: user)
    }

    /// Every key in the database on `db`, as keys-file lines.
    public func exportKeys(from db: SQLiteConnection) throws -> [UInt8] {
        try keyLines(try UserKeyTable.all(on: db))
    }

    /// Stores the keys of a keys file on `db`, in the caller's transaction.
    ///
    /// - Returns: how many keys were read.
    public func importKeys(_ text: String, into db: SQLiteConnection) throws -> Int {
        try UserKeyTable.create(on: db)
        let keys = try wrappedKeys(fromKeysFile: text)
        for (user, wrapped) in keys { try UserKeyTable.insert(user, wrapped: wrapped, on: db) }
        return keys.count
    }
}
